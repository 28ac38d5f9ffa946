// A CPU Python environment per engine for the real-engine tests (npm run test:engines): built from PyPI alone and
// cached outside the clone, under ${XDG_CACHE_HOME:-~/.cache}/isengard/engine-envs/<engine>-<key>. The key covers
// the engine's pinned commit, its requirements, the CPU adjustments below and the Python version, so a matching
// environment is reused and anything else rebuilds it. Wheels come from pip's own cache, shared by both engines.
// Plain Node with no dependencies.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class TestEnvError extends Error {}

/** Bump when the adjustments below change in a way the requirements text does not show. */
const ADJUSTMENTS_VERSION = 1;

/** The file written last into a finished environment: without it, a folder is not an environment. */
const COMPLETE = 'isengard-env.json';

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'isengard');
}

/**
 * The torch install line of ai-toolkit's README ("install torch first") as pip arguments; the Linux instructions
 * come first. Undefined when the README names none.
 */
export function torchInstallArgs(readme) {
  const linux = readme.search(/^\s*Linux:?\s*$/m);
  const text = linux >= 0 ? readme.slice(linux) : readme;
  for (const line of text.split('\n')) {
    const match = /^\s*(?:python3?\s+-m\s+)?pip3?\s+install\s+(.*)$/.exec(line);
    if (!match) continue;
    const args = [];
    for (const token of match[1].trim().split(/\s+/)) {
      if (token.startsWith('#') || token === '&&' || token === ';') break;
      args.push(token);
    }
    if (args.some((a) => /^torch([=<>~!].*)?$/.test(a))) return args;
  }
  return undefined;
}

/** The torch packages of a pip line, without its index (PyPI alone) and without --no-cache-dir (the cache is shared). */
function torchPackages(args) {
  const kept = [];
  for (let i = 0; i < args.length; i++) {
    if (['--index-url', '-i', '--extra-index-url'].includes(args[i])) i++;
    else if (!args[i].startsWith('-')) kept.push(args[i]);
  }
  return kept;
}

/** A requirements file with its `-r` includes inlined, so the adjustments and the key see every line. */
function expandRequirements(file) {
  const lines = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const include = /^\s*-r\s+(\S+)/.exec(line);
    if (include) lines.push(...expandRequirements(path.resolve(path.dirname(file), include[1])));
    else if (line.trim() && !line.trim().startsWith('#')) lines.push(line.trim());
  }
  return lines;
}

/** The name of a requirement line (`diffusers`, `torch`), or the repository of a git URL. */
function requirementName(line) {
  const git = /github\.com\/[^/]+\/([^/.@]+)/.exec(line);
  if (line.startsWith('git+') && git) return git[1].toLowerCase();
  return (/^([A-Za-z0-9_.-]+)/.exec(line)?.[1] ?? line).toLowerCase().replace(/_/g, '-');
}

/**
 * What each engine needs on a CPU-only machine that reaches PyPI and not GitHub (specs/ai-toolkit.md §10,
 * specs/comfyui.md §7). `replace` swaps a requirement for another; `drop` leaves one out; `extra` adds packages;
 * `uninstall` removes what must not be importable.
 */
const CPU_ADJUSTMENTS = {
  'ai-toolkit': {
    // diffusers is pinned to a git commit; 0.39.0 from PyPI works with the other pins (0.40 breaks an extension's import).
    replace: { diffusers: 'diffusers==0.39.0' },
    // The demo UI only; run.py never imports it.
    drop: ['gradio'],
    extra: [],
    // With triton importable and no GPU, an extension calls CUDA at import and every job dies "Found no NVIDIA driver".
    uninstall: ['triton'],
  },
  // ComfyUI imports `requests` without listing it.
  comfyui: { replace: {}, drop: [], extra: ['requests'], uninstall: [] },
};

/**
 * The pip steps that make an engine's CPU test environment. ai-toolkit's README names torch (a CUDA index): the same
 * versions come from PyPI. ComfyUI leaves torch unpinned: it gets ai-toolkit's versions when that checkout is at
 * hand, so one torch download serves both environments.
 * @returns {{requirements: string[], torch: string[], extra: string[], uninstall: string[]}}
 */
export function installPlan(engine, checkout, { torchFrom } = {}) {
  const adjust = CPU_ADJUSTMENTS[engine];
  if (!adjust) throw new TestEnvError(`No CPU test environment is known for "${engine}".`);
  const requirementsFile = path.join(checkout, 'requirements.txt');
  if (!existsSync(requirementsFile)) throw new TestEnvError(`${checkout} has no requirements.txt. Fetch the engine first: scripts/vendor/sync ${engine}`);
  const readmeOf = (dir) => (existsSync(path.join(dir, 'README.md')) ? readFileSync(path.join(dir, 'README.md'), 'utf8') : '');
  const torchReadme = engine === 'ai-toolkit' ? readmeOf(checkout) : torchFrom ? readmeOf(torchFrom) : '';
  const torchLine = torchInstallArgs(torchReadme);
  const torch = torchLine ? torchPackages(torchLine) : [];
  const pinned = new Map(torch.map((spec) => [requirementName(spec), spec]));

  const requirements = [];
  for (const line of expandRequirements(requirementsFile)) {
    const name = requirementName(line);
    if (adjust.drop.includes(name)) continue;
    requirements.push(adjust.replace[name] ?? pinned.get(name) ?? line);
  }
  return { requirements, torch, extra: adjust.extra, uninstall: adjust.uninstall };
}

function pythonVersion(python) {
  const r = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new TestEnvError(`${python} does not run. Install Python 3.10 or newer, or set ISENGARD_PYTHON.`);
  return r.stdout.trim();
}

export function envKey(engine, commit, plan, version) {
  const text = JSON.stringify({ engine, commit, plan, version, adjustments: ADJUSTMENTS_VERSION });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: options.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], encoding: 'utf8', cwd: options.cwd, env: options.env });
  if (result.error) throw new TestEnvError(`Could not run ${command}: ${result.error.message}`);
  return result;
}

/**
 * A virtual environment's scripts name its folder; after the staging folder is renamed into place they must name
 * the final one (bin/python itself is a link to the base interpreter and needs nothing).
 */
function relocate(venv, from) {
  const bin = path.join(venv, 'bin');
  for (const name of readdirSync(bin)) {
    const file = path.join(bin, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1_000_000) continue;
    const text = readFileSync(file, 'latin1');
    if (text.includes(from)) writeFileSync(file, text.split(from).join(venv), 'latin1');
  }
  const cfg = path.join(venv, 'pyvenv.cfg');
  const text = readFileSync(cfg, 'utf8');
  if (text.includes(from)) writeFileSync(cfg, text.split(from).join(venv));
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Staging folders of builds whose process is gone (killed, or the machine restarted): never finished, never used. */
function removeAbandonedBuilds(root, engine) {
  for (const name of readdirSync(root)) {
    const match = new RegExp(`^\\.${engine}-[0-9a-f]{16}\\.partial-(\\d+)$`).exec(name);
    if (match && !isAlive(Number(match[1]))) rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

const VERIFY = `
import importlib.util, json, sys
import torch
print(json.dumps({"torch": torch.__version__, "cuda_build": torch.version.cuda,
                  "present": {name: importlib.util.find_spec(name) is not None for name in sys.argv[1:]}}))
`;

/**
 * The engine's cached CPU test environment, built when missing or when its key changed. Built in a staging folder
 * and renamed into place with its completion mark last, so an interrupted build never looks like an environment.
 * @returns {{python: string, venv: string, key: string, built: boolean}}
 */
export function ensureTestEnv(engine, checkout, { commit, torchFrom, say = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const basePython = process.env.ISENGARD_PYTHON?.trim() || 'python3';
  const version = pythonVersion(basePython);
  const plan = installPlan(engine, checkout, { torchFrom });
  const key = envKey(engine, commit, plan, version);
  const root = path.join(cacheRoot(), 'engine-envs');
  const venv = path.join(root, `${engine}-${key}`);
  const python = path.join(venv, 'bin', 'python');
  if (existsSync(path.join(venv, COMPLETE)) && existsSync(python)) return { python, venv, key, built: false };

  mkdirSync(root, { recursive: true });
  removeAbandonedBuilds(root, engine);
  const staging = path.join(root, `.${engine}-${key}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    say(`  creating ${staging} with ${basePython} (Python ${version})`);
    const created = run(basePython, ['-m', 'venv', staging], { quiet: true });
    if (created.status !== 0) throw new TestEnvError(`Python could not create a virtual environment:\n${created.stderr.trim()}`);
    const stagedPython = path.join(staging, 'bin', 'python');
    const requirementsFile = path.join(staging, 'requirements.cpu.txt');
    writeFileSync(requirementsFile, `${plan.requirements.join('\n')}\n`);
    const pip = (args, what) => {
      say(`  pip install ${what}`);
      const r = run(stagedPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--progress-bar', 'off', ...args], {
        cwd: checkout,
        env: { ...process.env, PIP_NO_INPUT: '1' },
      });
      if (r.status !== 0) throw new TestEnvError(`pip could not install ${what} (its messages are above).`);
    };
    if (plan.torch.length) {
      // torch and its CUDA libraries (several GB) land in a wheel folder of our own first, and install from there:
      // the second environment finds them without a download, whatever pip's own cache keeps.
      const wheels = path.join(cacheRoot(), 'wheels');
      say(`  pip download ${plan.torch.join(' ')} into ${wheels} (a wheel already there is not downloaded again)`);
      const got = run(stagedPython, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--progress-bar', 'off', '--dest', wheels, ...plan.torch]);
      if (got.status !== 0) throw new TestEnvError(`pip could not download ${plan.torch.join(' ')} (its messages are above).`);
      pip(['--no-index', '--find-links', wheels, ...plan.torch], `${plan.torch.join(' ')} from ${wheels}`);
    }
    pip(['-r', requirementsFile], `the ${plan.requirements.length} requirements of ${engine} (adjusted for CPU)`);
    if (plan.extra.length) pip(plan.extra, plan.extra.join(' '));
    if (plan.uninstall.length) {
      say(`  pip uninstall ${plan.uninstall.join(' ')}`);
      run(stagedPython, ['-m', 'pip', 'uninstall', '--yes', '--quiet', ...plan.uninstall], { quiet: true });
    }
    const check = run(stagedPython, ['-c', VERIFY, ...plan.uninstall], { quiet: true });
    if (check.status !== 0) throw new TestEnvError(`torch cannot be imported in the new environment:\n${check.stderr.trim()}`);
    const info = JSON.parse(check.stdout.trim().split('\n').at(-1));
    const still = Object.entries(info.present).filter(([, present]) => present).map(([name]) => name);
    if (still.length) throw new TestEnvError(`${still.join(', ')} must not be importable in the CPU environment of ${engine}, and still is.`);

    rmSync(venv, { recursive: true, force: true });
    renameSync(staging, venv);
    relocate(venv, staging);
    writeFileSync(path.join(venv, COMPLETE), `${JSON.stringify({ engine, commit, key, python: version, torch: info.torch, builtAt: new Date().toISOString() }, null, 2)}\n`);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  // Environments of earlier keys of this engine are never used again.
  for (const name of readdirSync(root)) {
    if (name.startsWith(`${engine}-`) && name !== path.basename(venv) && /^[0-9a-f]{16}$/.test(name.slice(engine.length + 1))) {
      rmSync(path.join(root, name), { recursive: true, force: true });
    }
  }
  return { python, venv, key, built: true };
}
