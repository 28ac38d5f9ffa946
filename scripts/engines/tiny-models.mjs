// The tiny random-weight models of the real-engine tests: every builder in scripts/engines/tiny-models/ (`<name>.py`)
// runs with its engine's Python and writes into `<ISENGARD_TINY_MODELS>/<name>/`. The engine is named on one of the
// script's first lines (`# engine: ai-toolkit`), else by BUILDER_ENGINES. A build is cached by the hash of its
// script and of its engine's environment, and moved into place only once it succeeded. Plain Node.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILDERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tiny-models');

/** Builders whose script does not name its engine. */
const BUILDER_ENGINES = { sd1: 'comfyui' };

const STAMP = '.isengard-builder.json';

export class TinyModelError extends Error {}

/** @returns {Array<{name: string, script: string, engine: string}>} */
export function listBuilders(dir = BUILDERS_DIR) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.py') && !file.startsWith('_'))
    .sort()
    .map((file) => {
      const script = path.join(dir, file);
      const name = file.slice(0, -'.py'.length);
      const head = readFileSync(script, 'utf8').split('\n').slice(0, 5).join('\n');
      const engine = /^#\s*engine:\s*([\w-]+)/m.exec(head)?.[1] ?? BUILDER_ENGINES[name];
      if (!engine) throw new TinyModelError(`${file} does not name its engine: put "# engine: <ai-toolkit|comfyui>" on its first line.`);
      return { name, script, engine };
    });
}

/**
 * Builds one model unless the cached one was made by the same script in the same environment.
 * @param {{name: string, script: string}} builder
 * @param {{root: string, python: string, envKey: string, cwd: string, env: NodeJS.ProcessEnv}} options
 * @returns {{dir: string, built: boolean}}
 */
export function ensureTinyModel(builder, { root, python, envKey, cwd, env }) {
  const hash = createHash('sha256').update(readFileSync(builder.script)).update(`\0${envKey}`).digest('hex');
  const dir = path.join(root, builder.name);
  const stamp = path.join(dir, STAMP);
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).hash === hash) return { dir, built: false };

  // The builder sees a staging root as ISENGARD_TINY_MODELS; its folder is moved into place when it succeeds.
  const staging = path.join(root, `.staging-${builder.name}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const out = path.join(staging, builder.name);
  mkdirSync(out, { recursive: true });
  try {
    const result = spawnSync(python, [builder.script, out], {
      cwd,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...env, ISENGARD_TINY_MODELS: staging, HF_HUB_OFFLINE: '1', PYTHONUNBUFFERED: '1' },
    });
    if (result.error) throw new TinyModelError(`Could not run ${python}: ${result.error.message}`);
    if (result.status !== 0) throw new TinyModelError(`${path.basename(builder.script)} failed (exit ${result.status ?? result.signal}); its messages are above.`);
    if (readdirSync(out).length === 0) throw new TinyModelError(`${path.basename(builder.script)} wrote nothing into ${out}.`);
    writeFileSync(path.join(out, STAMP), `${JSON.stringify({ hash, builtAt: new Date().toISOString() })}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, built: true };
}
