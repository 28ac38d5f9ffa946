import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE_MODEL_CATALOGUE, type ModelFileSpec } from '../../lib/models/catalogue';

/**
 * Where FLUX.1-dev's weights are on this machine, as the product looks for them: the trainer wants the diffusers
 * layout (models/base/FLUX.1-dev with its model_index.json, plugins/training/ai-toolkit/engine.ts), ComfyUI the four
 * single files of the Models page's layout (models/base/<target>, lib/models/catalogue.ts). Also searched: a folder
 * given with --flux-dir (either layout, or a Hugging Face snapshot of the repository) and the Hugging Face cache.
 */
export interface FluxWeights {
  /** The diffusers folder for training; undefined when none was found. */
  training: string | undefined;
  /** ComfyUI's files by their Models-page target (diffusion_models/flux1-dev.safetensors, …), all or none. */
  generation: Array<{ target: string; file: string }> | undefined;
  /** The files not found, by target (model_index.json stands for the training layout). */
  missing: string[];
  searched: string[];
}

export const TRAINING_LAYOUT = 'FLUX.1-dev/model_index.json';

/** Every snapshot of a repository in a Hugging Face cache, newest name last. */
function snapshots(hubCache: string, repo: string): string[] {
  const dir = path.join(hubCache, `models--${repo.replace('/', '--')}`, 'snapshots');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => path.join(dir, name));
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE?.trim()) return env.HF_HUB_CACHE.trim();
  const home = env.HF_HOME?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(home, 'hub');
}

export function locateFluxWeights(options: { fluxDir?: string; baseModelsDir: string; hubCache: string }): FluxWeights {
  const flux = BASE_MODEL_CATALOGUE.find((m) => m.id === 'flux1-dev');
  if (!flux) throw new Error('The model catalogue has no flux1-dev entry');
  const roots = [options.fluxDir, options.baseModelsDir].filter((d): d is string => Boolean(d));
  const searched = [...roots, options.hubCache];

  const trainingCandidates = [
    ...(options.fluxDir ? [options.fluxDir] : []),
    ...roots.map((r) => path.join(r, 'FLUX.1-dev')),
    ...snapshots(options.hubCache, flux.files[0]!.repo).reverse(),
  ];
  const training = trainingCandidates.find((dir) => existsSync(path.join(dir, 'model_index.json')));

  const fileCandidates = (spec: ModelFileSpec) => [
    ...roots.flatMap((r) => [path.join(r, spec.target), path.join(r, spec.path)]),
    ...(training ? [path.join(training, spec.path)] : []),
    ...snapshots(options.hubCache, spec.repo)
      .reverse()
      .map((s) => path.join(s, spec.path)),
  ];
  const found = flux.files.map((spec) => ({ target: spec.target, file: fileCandidates(spec).find((f) => existsSync(f)) }));
  const missing = [...(training ? [] : [TRAINING_LAYOUT]), ...found.filter((f) => !f.file).map((f) => f.target)];
  const complete = found.every((f) => f.file);
  return {
    training,
    generation: complete ? found.map((f) => ({ target: f.target, file: f.file! })) : undefined,
    missing,
    searched,
  };
}
