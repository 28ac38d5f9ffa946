import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheRoot, ensureTestEnv, envKey, installPlan } from './test-env.mjs';
import { listBuilders } from './tiny-models.mjs';

// Made-up checkouts with the shapes of the real engines' requirements: nothing here reaches a package index.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-test-env-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function checkout(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const aiToolkit = checkout('ai-toolkit', {
  'README.md': [
    '## Installation',
    'Linux:',
    '```bash',
    'pip3 install --no-cache-dir torch==2.13.0 torchvision==0.28.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu130',
    'pip3 install -r requirements.txt',
    '```',
  ].join('\n'),
  'requirements.txt': '-r requirements_base.txt\nscipy==1.12.0\n',
  'requirements_base.txt': [
    'torchao==0.10.0',
    'git+https://github.com/huggingface/diffusers.git@c943837899b16cbae2f619b8dd4f7bb6f07dd81a',
    '#pip install git+https://github.com/huggingface/diffusers.git@refs/pull/1/head',
    'transformers==5.5.3',
    'gradio',
    'python-slugify',
  ].join('\n'),
});
const comfyui = checkout('comfyui', { 'requirements.txt': 'torch\ntorchvision\ntorchaudio\nnumpy>=1.25.0\n\n#non essential dependencies:\nkornia>=0.7.1\n' });

describe('the CPU test environments', () => {
  it('install ai-toolkit from PyPI: its README torch versions without the CUDA index, diffusers from PyPI, no gradio, no triton', () => {
    const plan = installPlan('ai-toolkit', aiToolkit);
    expect(plan.torch).toEqual(['torch==2.13.0', 'torchvision==0.28.0', 'torchaudio==2.11.0']);
    expect(plan.requirements).toEqual(['torchao==0.10.0', 'diffusers==0.39.0', 'transformers==5.5.3', 'python-slugify', 'scipy==1.12.0']);
    expect(plan.uninstall).toEqual(['triton']);
  });

  it("give ComfyUI ai-toolkit's torch, so one download serves both, and requests", () => {
    const plan = installPlan('comfyui', comfyui, { torchFrom: aiToolkit });
    expect(plan.requirements).toEqual(['torch==2.13.0', 'torchvision==0.28.0', 'torchaudio==2.11.0', 'numpy>=1.25.0', 'kornia>=0.7.1']);
    expect(plan.extra).toEqual(['requests']);
    expect(installPlan('comfyui', comfyui).requirements.slice(0, 3)).toEqual(['torch', 'torchvision', 'torchaudio']);
  });

  it('are keyed by the pinned commit, the requirements and the Python version', () => {
    const plan = installPlan('ai-toolkit', aiToolkit);
    const key = envKey('ai-toolkit', 'a'.repeat(40), plan, '3.11.7');
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(envKey('ai-toolkit', 'a'.repeat(40), plan, '3.11.7')).toBe(key);
    expect(envKey('ai-toolkit', 'b'.repeat(40), plan, '3.11.7')).not.toBe(key);
    expect(envKey('ai-toolkit', 'a'.repeat(40), { ...plan, requirements: [...plan.requirements, 'einops'] }, '3.11.7')).not.toBe(key);
    expect(envKey('ai-toolkit', 'a'.repeat(40), plan, '3.12.1')).not.toBe(key);
  });

  it('live under XDG_CACHE_HOME, outside the clone', () => {
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(scratch, 'xdg');
    try {
      expect(cacheRoot()).toBe(path.join(scratch, 'xdg', 'isengard'));
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
    }
  });

  it('leave nothing that looks like an environment when a build fails', () => {
    const broken = checkout('broken', { 'requirements.txt': 'isengard-no-such-package==0.0.1\n' });
    const cache = path.join(scratch, 'cache-broken');
    const saved = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, PIP_NO_INDEX: process.env.PIP_NO_INDEX, PIP_FIND_LINKS: process.env.PIP_FIND_LINKS };
    Object.assign(process.env, { XDG_CACHE_HOME: cache, PIP_NO_INDEX: '1', PIP_FIND_LINKS: path.join(scratch, 'no-wheels') });
    try {
      expect(() => ensureTestEnv('comfyui', broken, { commit: 'c'.repeat(40), say: () => {} })).toThrow(/pip could not install/);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    const envs = path.join(cache, 'isengard', 'engine-envs');
    expect(existsSync(envs) ? readdirSync(envs) : []).toEqual([]);
  }, 120_000);
});

describe('the tiny-model builders', () => {
  it('each name their engine', () => {
    const builders = listBuilders();
    expect(builders.find((b) => b.name === 'flux')).toMatchObject({ engine: 'ai-toolkit' });
    for (const builder of builders) expect(['ai-toolkit', 'comfyui']).toContain(builder.engine);
  });

  it('refuse a builder that does not say which engine runs it', () => {
    const dir = checkout('builders', { 'mystery.py': 'print("which Python?")\n' });
    expect(() => listBuilders(dir)).toThrow('mystery.py does not name its engine: put "# engine: <ai-toolkit|comfyui>" on its first line.');
  });
});
