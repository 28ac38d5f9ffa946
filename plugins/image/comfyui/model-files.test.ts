import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveGenerationParams } from '../../../lib/contracts/generations';
import { buildGraph } from './graphs';
import { SubmittedModelFiles, graphModelFiles } from './model-files';

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
