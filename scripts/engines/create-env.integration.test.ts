import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';

// Fake engine checkouts whose requirements.txt names a tiny package pip can install here; torch is not installed,
// which the report must say in plain words.
const tool = path.join(path.dirname(new URL(import.meta.url).pathname), 'create-env');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-create-env-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const AITOOLKIT_README = `# Ostris AI Toolkit

### Manual installation

Linux:
\`\`\`bash
git clone https://github.com/ostris/ai-toolkit.git
cd ai-toolkit
python3 -m venv venv
source venv/bin/activate
# install torch first
pip3 install --no-cache-dir torch==2.13.0 torchvision==0.28.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu130
pip3 install -r requirements.txt
\`\`\`

Windows:
\`\`\`bash
pip install --no-cache-dir torch==2.5.0 --index-url https://download.pytorch.org/whl/cu124
\`\`\`
`;

function checkout(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

function createEnv(args: string[], env: Record<string, string>) {
  const r = spawnSync(tool, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 280_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function venvHas(dir: string, module: string): boolean {
  return spawnSync(path.join(dir, 'venv', 'bin', 'python'), ['-c', `import ${module}`]).status === 0;
}

describe('create-env', () => {
  it('creates ComfyUI its own venv from requirements.txt plus requests, and says torch is missing', () => {
    const dir = checkout('comfyui', { 'requirements.txt': 'six==1.16.0\n' });
    const r = createEnv(['comfyui'], { COMFYUI_PATH: dir });
    expect(r.code, r.out + r.err).toBe(0);
    expect(venvHas(dir, 'six')).toBe(true);
    expect(venvHas(dir, 'requests')).toBe(true);
    expect(r.out).toContain(`The comfyui environment is ready: ${path.join(dir, 'venv')}`);
    expect(r.out).toMatch(/^ {2}Python 3\.\d+\.\d+$/m);
    expect(r.out).toContain('torch is not installed, so the engine cannot run yet');
    expect(r.err).not.toMatch(/Traceback/);
  }, 300_000);

  it('installs ai-toolkit into the venv AITOOLKIT_PYTHON points at, reuses it, and fails with --require-torch', () => {
    const dir = checkout('ai-toolkit', { 'requirements.txt': 'six==1.16.0\n', 'README.md': '# A toolkit\n\nNo install notes.\n' });
    const first = createEnv(['ai-toolkit'], { AITOOLKIT_PATH: dir });
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain('names no torch install line');
    const { python } = loadConfig({ ISENGARD_MODE: 'production', AITOOLKIT_PATH: dir }).aitoolkit;
    expect(python).toBe(path.join(dir, 'venv', 'bin', 'python'));
    expect(existsSync(python)).toBe(true);
    expect(venvHas(dir, 'six')).toBe(true);

    const again = createEnv(['ai-toolkit', '--require-torch'], { AITOOLKIT_PATH: dir });
    expect(again.out).toContain('Using the existing environment');
    expect(again.out).toContain('torch is not installed');
    expect(again.code).toBe(1);
    expect(again.err).toContain('torch is required (--require-torch) and is not usable');
  }, 300_000);

  it("takes ai-toolkit's torch install line from its README (Linux first), before requirements.txt", () => {
    const dir = checkout('ai-toolkit-readme', { 'requirements.txt': 'six==1.16.0\n', 'README.md': AITOOLKIT_README });
    const r = createEnv(['ai-toolkit', '--dry-run'], { AITOOLKIT_PATH: dir });
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.includes('-m pip install'));
    expect(lines).toEqual([
      `  ${path.join(dir, 'venv', 'bin', 'python')} -m pip install --no-cache-dir torch==2.13.0 torchvision==0.28.0 torchaudio==2.11.0 --index-url https://download.pytorch.org/whl/cu130`,
      `  ${path.join(dir, 'venv', 'bin', 'python')} -m pip install -r requirements.txt`,
    ]);
    expect(existsSync(path.join(dir, 'venv')), 'a dry run creates nothing').toBe(false);
  });

  it('explains what is wrong instead of crashing', () => {
    const empty = checkout('not-fetched', {});
    const missing = createEnv(['comfyui'], { COMFYUI_PATH: empty });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('has no requirements.txt. Fetch the engine first: scripts/vendor/sync comfyui');

    const unknown = createEnv(['stable-diffusion'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Usage: scripts/engines/create-env <ai-toolkit|comfyui>');

    const dir = checkout('broken-requirements', { 'requirements.txt': 'this-package-does-not-exist-isengard==0.0.1\n' });
    const broken = createEnv(['comfyui'], { COMFYUI_PATH: dir });
    expect(broken.code).toBe(1);
    expect(broken.err).toContain('pip could not install "-r requirements.txt"');
  }, 300_000);
});
