import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveGenerationParams } from '../../../lib/contracts/generations';
import { ImageEngineError } from '../interface';
import { buildGraph, CHECKPOINT_LORAS, loraName } from './graphs';
import { SubmittedModelFiles, graphModelFiles, linkCheckpointLora } from './model-files';
import { ModelFolders } from './simulator/model-folders';

const root = mkdtempSync(path.join(os.tmpdir(), 'comfy-model-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lora = { id: '6f1c1b1e-8d7a-4c55-9a55-2a4c4e0f9f10', fileName: 'c/ada-v1.safetensors', name: 'Ada', triggerWord: 'ada', baseModel: 'flux1-dev' as const };
const params = resolveGenerationParams({ prompt: 'a portrait' }, lora, () => 7);

describe('the model files a graph loads', () => {
  it('lists every loader file of the FLUX graph by its ComfyUI folder', () => {
    expect(graphModelFiles(buildGraph(params, 'job')).map((f) => `${f.folder}/${f.name}`)).toEqual([
      'diffusion_models/flux1-dev.safetensors',
      'text_encoders/t5xxl_fp16.safetensors',
      'text_encoders/clip_l.safetensors',
      'vae/ae.safetensors',
      'loras/c/ada-v1.safetensors',
    ]);
  });

  it('says which files were replaced since they were last submitted, searching the folders in order', async () => {
    const folder = (name: string) => path.join(root, name);
    const files = new SubmittedModelFiles((kind) => [folder(`first-${kind}`), folder(`second-${kind}`)]);
    const write = (dir: string, name: string, content: string) => {
      mkdirSync(path.dirname(path.join(folder(dir), name)), { recursive: true });
      writeFileSync(path.join(folder(dir), name), content);
    };
    write('second-loras', 'c/ada-v1.safetensors', 'first training');
    write('first-diffusion_models', 'flux1-dev.safetensors', 'weights');
    const graph = buildGraph(params, 'job');
    expect(await files.replacedBefore(graph)).toEqual([]); // nothing submitted before
    expect(await files.replacedBefore(graph)).toEqual([]);
    write('second-loras', 'c/ada-v1.safetensors', 'trained again, longer'); // registered again under the same name
    expect(await files.replacedBefore(graph)).toEqual(['loras/c/ada-v1.safetensors']);
    expect(await files.replacedBefore(graph)).toEqual([]);
    write('first-vae', 'ae.safetensors', 'downloaded'); // appears where there was none
    rmSync(path.join(folder('first-diffusion_models'), 'flux1-dev.safetensors'));
    write('second-diffusion_models', 'flux1-dev.safetensors', 'weights'); // the first folder's copy is gone: another file
    expect(await files.replacedBefore(graph)).toEqual(['diffusion_models/flux1-dev.safetensors', 'vae/ae.safetensors']);
  });
});

describe('a training checkpoint as a LoRA', () => {
  const runId = '0b6f2c1e-3d4a-4b5c-8d9e-0f1a2b3c4d5e';
  const dataRoot = path.join(root, 'data');
  const loras = path.join(dataRoot, 'models', 'loras');
  const stepFile = `training/${runId}/isengard_0b6f2c1e3d4a/isengard_0b6f2c1e3d4a_000000050.safetensors`;
  const checkpointParams = (fileName: string) =>
    resolveGenerationParams(
      { prompt: 'a portrait', loraStrength: 0.7 },
      { id: null, fileName, name: 'Ada 0b6f2c1e, step 50', triggerWord: 'ada', baseModel: 'flux1-dev', checkpoint: { runId, step: 50, final: false } },
      () => 7,
    );
  const write = (file: string, content: string) => {
    mkdirSync(path.dirname(path.join(dataRoot, file)), { recursive: true });
    writeFileSync(path.join(dataRoot, file), content);
  };

  it('is linked into the LoRA folder under a name of its own, which the graph loads and the simulated ComfyUI lists', async () => {
    write(stepFile, 'step 50 weights');
    const p = checkpointParams(stepFile);
    const name = `${CHECKPOINT_LORAS}/${runId}/isengard_0b6f2c1e3d4a_000000050.safetensors`;
    expect(loraName(p.lora!)).toBe(name);
    expect(buildGraph(p, 'job')['4']!.inputs).toMatchObject({ lora_name: name, strength_model: 0.7, strength_clip: 0.7 });

    await linkCheckpointLora(dataRoot, loras, p.lora!);
    await linkCheckpointLora(dataRoot, loras, p.lora!); // again: the same link
    expect(readlinkSync(path.join(loras, name))).not.toMatch(/^\//); // relative: the data root may be mounted elsewhere
    expect(readFileSync(path.join(loras, name), 'utf8')).toBe('step 50 weights');

    const yaml = path.join(root, 'extra_model_paths.yaml');
    writeFileSync(yaml, `isengard:\n  base_path: ${path.dirname(loras)}\n  loras: loras\n`);
    const folders = new ModelFolders([yaml]);
    expect(folders.list('loras')).toContain(name);
    expect(folders.find('loras', name)).toBe(path.join(loras, name));
  });

  it('frees ComfyUI’s cache when the checkpoint behind the link was written again', async () => {
    write(stepFile, 'step 50 weights');
    const p = checkpointParams(stepFile);
    await linkCheckpointLora(dataRoot, loras, p.lora!);
    const files = new SubmittedModelFiles((kind) => (kind === 'loras' ? [loras] : []));
    const graph = buildGraph(p, 'job');
    expect(await files.replacedBefore(graph)).toEqual([]);
    rmSync(path.join(dataRoot, stepFile));
    write(stepFile, 'step 50 weights, saved again after a resume');
    expect(await files.replacedBefore(graph)).toEqual([`loras/${loraName(p.lora!)}`]);
  });

  it('fails in plain words, not retried, once the trainer has pruned it; the link goes with it', async () => {
    write(stepFile, 'step 50 weights');
    const p = checkpointParams(stepFile);
    await linkCheckpointLora(dataRoot, loras, p.lora!);
    rmSync(path.join(dataRoot, stepFile));
    const failure = await linkCheckpointLora(dataRoot, loras, p.lora!).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ImageEngineError);
    expect(failure).toMatchObject({ code: 'missing_model', retryable: false });
    expect((failure as Error).message).toBe(
      'The checkpoint at step 50 of this training run no longer exists: the trainer keeps only the newest few. Choose another checkpoint, or keep one as a version so it stays.',
    );
    expect(existsSync(path.join(loras, loraName(p.lora!)))).toBe(false);
    expect(() => lstatSync(path.join(loras, loraName(p.lora!)))).toThrow();
  });

  it('leaves a registered LoRA as it is', async () => {
    expect(loraName(params.lora!)).toBe('c/ada-v1.safetensors');
    await expect(linkCheckpointLora(dataRoot, loras, params.lora!)).resolves.toBeUndefined();
  });
});
