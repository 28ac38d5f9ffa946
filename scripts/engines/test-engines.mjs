// npm run test:engines [-- --prepare-only | vitest arguments]: the production adapters, workflows and API against the real engines on
// the CPU (or, with ISENGARD_ENGINE_TESTS_DEVICE=cuda on a GPU machine, on CUDA with the engines' own environments:
// scripts/smoke/gpu-acceptance). Prepares, each step timed: (1) each engine unpacked at its pin from the archives (scripts/vendor/sync
// --from-archive), (2) a CPU Python environment per engine from PyPI (scripts/engines/test-env.mjs, cached), (3) the
// tiny models of scripts/engines/tiny-models/ (cached); then runs the vitest project `engines` with
// AITOOLKIT_PATH, AITOOLKIT_PYTHON, COMFYUI_PATH, COMFYUI_PYTHON and ISENGARD_TINY_MODELS set.
// Caches live under ${XDG_CACHE_HOME:-~/.cache}/isengard, outside the clone, so CI reuses them between runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { defaultArchiveDir } from '../vendor/archive.mjs';
import { PROJECT_ROOT, readPins, syncFromArchive, vendorDir, VendorError } from '../vendor/vendor.mjs';
import { cacheRoot, ensureTestEnv, TestEnvError } from './test-env.mjs';
import { ensureTinyModel, listBuilders, TinyModelError } from './tiny-models.mjs';

const ENGINE_VARS = {
  'ai-toolkit': { path: 'AITOOLKIT_PATH', python: 'AITOOLKIT_PYTHON' },
  comfyui: { path: 'COMFYUI_PATH', python: 'COMFYUI_PYTHON' },
};

const say = (line) => process.stdout.write(`${line}\n`);

function timed(what, fn) {
  say(`\n== ${what}`);
  const started = Date.now();
  const result = fn();
  say(`   ${what}: ${result.summary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** `cuda`: the engines' own (CUDA) environments, `vendor/<name>/venv` or AITOOLKIT_PYTHON / COMFYUI_PYTHON. */
const DEVICE = process.env.ISENGARD_ENGINE_TESTS_DEVICE?.trim() === 'cuda' ? 'cuda' : 'cpu';

/** On a GPU machine: the Python the GPU worker itself runs each engine with; no environment is built. */
function engineOwnPython(name) {
  const python = process.env[ENGINE_VARS[name].python]?.trim() || path.join(vendorDir(), name, 'venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new TestEnvError(`${name}: no Python at ${python}. Create the engine's environment (scripts/engines/create-env ${name}) or set ${ENGINE_VARS[name].python}.`);
  }
  return { python, key: `cuda:${createHash('sha256').update(python).digest('hex').slice(0, 16)}`, summary: `the engine's own ${python}` };
}

function prepare() {
  const { pins } = readPins();
  const engines = Object.keys(ENGINE_VARS).filter((name) => pins[name]);
  const archives = defaultArchiveDir();
  const exported = { ISENGARD_ENGINE_TESTS_DEVICE: DEVICE };

  for (const name of engines) {
    // A GPU pod that fetched the engines from GitHub (scripts/vendor/sync) has no archives: its checkouts are used.
    if (DEVICE === 'cuda' && !existsSync(archives)) {
      exported[ENGINE_VARS[name].path] = path.join(vendorDir(), name);
      continue;
    }
    timed(`${name}: source at the pinned commit ${pins[name].commit.slice(0, 12)}`, () => {
      const done = syncFromArchive(name, pins[name], archives);
      const summary = done.action === 'unchanged' ? 'already unpacked and verified' : `unpacked from the archive, ${done.files} files verified`;
      return { summary };
    });
    exported[ENGINE_VARS[name].path] = path.join(vendorDir(), name);
  }

  const envs = {};
  for (const name of engines) {
    if (DEVICE === 'cuda') {
      envs[name] = timed(`${name}: Python environment`, () => engineOwnPython(name));
      exported[ENGINE_VARS[name].python] = envs[name].python;
      continue;
    }
    envs[name] = timed(`${name}: CPU Python environment`, () => {
      const env = ensureTestEnv(name, path.join(vendorDir(), name), {
        commit: pins[name].commit,
        // ComfyUI leaves torch unpinned: it takes ai-toolkit's versions, one download for both.
        torchFrom: name === 'comfyui' ? path.join(vendorDir(), 'ai-toolkit') : undefined,
        say,
      });
      return { ...env, summary: `${env.built ? 'built' : 'reused'} ${env.venv}` };
    });
    exported[ENGINE_VARS[name].python] = envs[name].python;
  }

  const models = path.join(cacheRoot(), 'tiny-models');
  mkdirSync(models, { recursive: true });
  for (const builder of listBuilders()) {
    const env = envs[builder.engine];
    if (!env) throw new TinyModelError(`${builder.name}.py is for "${builder.engine}", which has no test environment.`);
    timed(`tiny model ${builder.name} (${builder.engine})`, () => {
      const model = ensureTinyModel(builder, {
        root: models,
        python: env.python,
        envKey: env.key,
        cwd: exported[ENGINE_VARS[builder.engine].path],
        env: { ...process.env, ...exported },
      });
      return { summary: `${model.built ? 'built' : 'reused'} ${model.dir}` };
    });
  }
  exported.ISENGARD_TINY_MODELS = models;
  return exported;
}

function main(args) {
  // --prepare-only: the caches and checkouts, no tests (a CI image can warm them in advance).
  const prepareOnly = args.includes('--prepare-only');
  const vitestArgs = args.filter((a) => a !== '--prepare-only');
  let exported;
  try {
    exported = prepare();
  } catch (err) {
    if (!(err instanceof VendorError || err instanceof TestEnvError || err instanceof TinyModelError)) throw err;
    process.stderr.write(`\n${err.message}\n`);
    return 1;
  }
  for (const [key, value] of Object.entries(exported)) say(`   ${key}=${value}`);
  if (prepareOnly) return 0;
  say('\n== tests (vitest project engines)');
  const vitest = path.join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const result = spawnSync(process.execPath, [vitest, 'run', '--project', 'engines', ...vitestArgs], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    // No engine test may reach Hugging Face: every model is a local folder.
    env: { ...process.env, ...exported, HF_HUB_OFFLINE: '1' },
  });
  return result.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
