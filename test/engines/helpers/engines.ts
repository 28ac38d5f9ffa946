import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { startTestStack, type TestStack } from '../../helpers/stack';

/**
 * What `npm run test:engines` prepared (scripts/engines/test-engines.mjs): each engine's checkout at its pin, its
 * CPU Python, and the folder of the tiny models (one subfolder per builder in scripts/engines/tiny-models/).
 */
export interface PreparedEngines {
  aitoolkit: { path: string; python: string };
  comfyui: { path: string; python: string };
  tinyModels: string;
}

export function preparedEngines(): PreparedEngines {
  const names = ['AITOOLKIT_PATH', 'AITOOLKIT_PYTHON', 'COMFYUI_PATH', 'COMFYUI_PYTHON', 'ISENGARD_TINY_MODELS'] as const;
  const missing = names.filter((name) => !process.env[name]?.trim());
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not set: run the engine tests with npm run test:engines, which prepares them`);
  const env = (name: (typeof names)[number]) => process.env[name]!.trim();
  return {
    aitoolkit: { path: env('AITOOLKIT_PATH'), python: env('AITOOLKIT_PYTHON') },
    comfyui: { path: env('COMFYUI_PATH'), python: env('COMFYUI_PYTHON') },
    tinyModels: env('ISENGARD_TINY_MODELS'),
  };
}

/** Where the engines run: the CPU (CI, with no GPU) or CUDA (scripts/smoke/gpu-acceptance on a GPU machine). */
export const ENGINE_DEVICE: 'cpu' | 'cuda' = process.env.ISENGARD_ENGINE_TESTS_DEVICE === 'cuda' ? 'cuda' : 'cpu';

/**
 * The settings a GPU worker needs on this device: on the CPU the GPU check reports that no GPU is usable and the
 * jobs run all the same (ALLOW_CPU_ENGINES); on CUDA, none.
 */
export function deviceEnv(): Record<string, string> {
  return ENGINE_DEVICE === 'cpu' ? { ALLOW_CPU_ENGINES: '1' } : {};
}

/** The output folder of one tiny-model builder (`flux` for scripts/engines/tiny-models/flux.py). */
export function tinyModel(builder: string): string {
  const dir = path.join(preparedEngines().tinyModels, builder);
  if (!existsSync(dir)) throw new Error(`No tiny model "${builder}" in ${path.dirname(dir)}: is scripts/engines/tiny-models/${builder}.py there?`);
  return dir;
}

/** The `__metadata__` of a safetensors file (all values are strings). */
export function safetensorsMetadata(file: string): Record<string, string> {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  return (header.__metadata__ ?? {}) as Record<string, string>;
}

/** The tensor names of a safetensors file. */
export function safetensorsTensors(file: string): string[] {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  return Object.keys(header).filter((key) => key !== '__metadata__');
}

/** The tiny FLUX.1 in `baseModels`, under the folder name where the product looks for FLUX.1-dev (diffusers layout). */
export function placeTinyFlux(baseModels: string): void {
  mkdirSync(baseModels, { recursive: true });
  symlinkSync(tinyModel('flux'), path.join(baseModels, 'FLUX.1-dev'));
}

/** A stack whose training engine is the real ai-toolkit (`env` on top), with the tiny FLUX as its base model. */
export async function startRealTrainingStack(env: Record<string, string> = {}): Promise<TestStack> {
  const { aitoolkit } = preparedEngines();
  const stack = await startTestStack({ env: { AITOOLKIT_PATH: aitoolkit.path, AITOOLKIT_PYTHON: aitoolkit.python, ...env } });
  placeTinyFlux(stack.config.storage.baseModels);
  return stack;
}
