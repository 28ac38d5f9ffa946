import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { MODEL_FILES } from '../../plugins/image/comfyui/graphs';
import { comfyFolders, modelPathsYaml } from '../../plugins/image/comfyui/server-process';
import { BASE_MODEL_IDS } from '../contracts/generations';
import { BASE_MODEL_CATALOGUE, CAPTIONER_CATALOGUE, CAPTIONER_FOLDER, commitOfResolveUrl, MODEL_CATALOGUE, needsCommitPin, resolveUrl } from './catalogue';
import { CAPTION_MODEL_REPO } from '../../plugins/captioning/ai-toolkit/job-config';
import { CAPTIONER_MODEL_IDS } from '../contracts/models';

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

describe('the captioner in the catalogue', () => {
  const [captioner] = CAPTIONER_CATALOGUE;

  it('is a model of its own kind, offered on the Models page beside the base models', () => {
    expect(CAPTIONER_CATALOGUE.map((m) => [m.id, m.kind])).toEqual(CAPTIONER_MODEL_IDS.map((id) => [id, 'captioner']));
    expect(MODEL_CATALOGUE.map((m) => m.id)).toEqual([...BASE_MODEL_CATALOGUE, ...CAPTIONER_CATALOGUE].map((m) => m.id));
    expect(BASE_MODEL_CATALOGUE.every((m) => m.kind === undefined)).toBe(true);
  });

  it('has what transformers loads Qwen3-VL from, from the repository the captioning plugin names, into one folder', () => {
    const files = captioner!.files;
    expect(new Set(files.map((f) => f.repo))).toEqual(new Set([CAPTION_MODEL_REPO]));
    expect(files.every((f) => f.target === `${CAPTIONER_FOLDER}/${f.path}`)).toBe(true);
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.json', 'model.safetensors.index.json']),
    );
    expect(files.filter((f) => f.path.endsWith('.safetensors')).map((f) => f.path)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(new Set(files.map((f) => f.id)).size).toBe(files.length);
  });

  it('follows main, so every file is pinned to one commit at the first download; base model files are pinned by hash', () => {
    expect(captioner!.files.every((f) => f.revision === 'main' && f.sha256 === null && f.sizeBytes === null && needsCommitPin(f))).toBe(true);
    expect(BASE_MODEL_CATALOGUE.flatMap((m) => m.files).some(needsCommitPin)).toBe(false);
    expect(needsCommitPin({ pinToCommit: true, revision: 'a'.repeat(40) })).toBe(false);
  });

  it('reads the commit back from a resolve URL', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567';
    expect(commitOfResolveUrl(resolveUrl('https://huggingface.co', { ...captioner!.files[0]!, revision: commit }))).toBe(commit);
    expect(commitOfResolveUrl(resolveUrl('https://huggingface.co', captioner!.files[0]!))).toBeUndefined();
  });
});
