import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { MODEL_FILES } from '../../plugins/image/comfyui/graphs';
import { comfyFolders, modelPathsYaml } from '../../plugins/image/comfyui/server-process';
import { BASE_MODEL_IDS } from '../contracts/generations';
import { BASE_MODEL_CATALOGUE, resolveUrl } from './catalogue';

describe('the base model catalogue', () => {
  const files = BASE_MODEL_CATALOGUE.flatMap((m) => m.files);

  it('has every base model the generation contract offers', () => {
    expect(BASE_MODEL_CATALOGUE.map((m) => m.id).sort()).toEqual([...BASE_MODEL_IDS].sort());
  });

  it('puts each file where ComfyUI (extra_model_paths.yaml) finds what the graphs load', () => {
    const config = loadConfig({ DATA_DIR: '/data', ISENGARD_MODE: 'production' });
    const mapping = modelPathsYaml(config, comfyFolders(config)).isengard!;
    const modelsDir = mapping.base_path as string;
    const found = (folder: string, name: string) =>
      files.some((f) => path.join(config.storage.baseModels, f.target) === path.join(modelsDir, mapping[folder] as string, name));
    expect(found('diffusion_models', MODEL_FILES.fluxUnet)).toBe(true);
    expect(found('vae', MODEL_FILES.fluxVae)).toBe(true);
    expect(found('text_encoders', MODEL_FILES.fluxClipL)).toBe(true);
    expect(found('text_encoders', MODEL_FILES.fluxT5)).toBe(true);
    expect(found('checkpoints', MODEL_FILES.sdxlCheckpoint)).toBe(true);
    expect(files).toHaveLength(5);
  });

  it('pins each file to a size and a sha256; only FLUX.1-dev itself is gated', () => {
    for (const file of files) {
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(file.sizeBytes).toBeGreaterThan(100_000_000);
    }
    expect(files.filter((f) => f.gated).map((f) => f.repo)).toEqual(['black-forest-labs/FLUX.1-dev', 'black-forest-labs/FLUX.1-dev']);
  });

  it('builds the resolve URL huggingface_hub uses, on any endpoint', () => {
    expect(resolveUrl('https://huggingface.co', files[0]!)).toBe('https://huggingface.co/black-forest-labs/FLUX.1-dev/resolve/main/flux1-dev.safetensors');
    expect(resolveUrl('http://mirror.local/', { repo: 'a/b', revision: 'v1', path: 'dir/x y.bin' })).toBe('http://mirror.local/a/b/resolve/v1/dir/x%20y.bin');
  });
});
