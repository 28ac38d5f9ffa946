// scripts/engines/create-env <ai-toolkit|comfyui> [--recreate] [--require-torch] [--dry-run] [--cpu-test]
// Creates an engine's own Python environment, <checkout>/venv (what AITOOLKIT_PYTHON defaults to in production),
// from the pinned checkout's requirements.txt, then says which Python, torch and CUDA it got. --cpu-test instead
// creates (or reuses) the cached CPU environment of the real-engine tests (scripts/engines/test-env.mjs). Plain Node with no
// dependencies: the container build runs it before `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestEnv, TestEnvError, torchInstallArgs } from './test-env.mjs';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const ENGINES = {
  // The checkout comes from the same variables the GPU worker reads (lib/config.ts).
  'ai-toolkit': { pathVar: 'AITOOLKIT_PATH', defaultPath: 'vendor/ai-toolkit', extra: [] },
  // ComfyUI imports `requests` without listing it (specs/comfyui.md §7).
  comfyui: { pathVar: 'COMFYUI_PATH', defaultPath: 'vendor/comfyui', extra: ['requests'] },
};

const say = (line = '') => process.stdout.write(`${line}\n`);

class EnvError extends Error {}

const shown = (p) => (p.startsWith(PROJECT_ROOT + path.sep) ? path.relative(PROJECT_ROOT, p) : p);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', cwd: options.cwd });
  if (result.error) throw new EnvError(`Could not run ${command}: ${result.error.message}`);
  return result;
}

const CHECK = `
import json, platform
info = {"python": platform.python_version()}
try:
    import torch
except ModuleNotFoundError as e:
    info["torch"] = None
    info["torch_error"] = None if e.name == "torch" else str(e)
except Exception as e:
    info["torch"] = None
    info["torch_error"] = f"{type(e).__name__}: {e}"
else:
    info["torch"] = torch.__version__
    info["cuda_build"] = torch.version.cuda
    try:
        info["cuda_available"] = bool(torch.cuda.is_available())
        info["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if info["cuda_available"] else []
    except Exception as e:
        info["cuda_available"] = False
        info["cuda_error"] = str(e)
print(json.dumps(info))
`;

/** What the environment holds, in plain words; `torchOk` is false when torch cannot be imported. */
function report(python) {
  const result = run(python, ['-c', CHECK], { capture: true });
  if (result.status !== 0) throw new EnvError(`The environment's Python does not run:\n${result.stderr.trim()}`);
  const info = JSON.parse(result.stdout.trim().split('\n').at(-1));
  const lines = [`  Python ${info.python}`];
  if (info.torch === null) {
    lines.push(
      info.torch_error
        ? `  torch is installed but cannot be imported: ${info.torch_error}`
        : "  torch is not installed, so the engine cannot run yet (the engine's README says how to install it).",
    );
    return { lines, torchOk: false };
  }
  lines.push(`  torch ${info.torch}, ${info.cuda_build ? `built for CUDA ${info.cuda_build}` : 'a CPU-only build that cannot use a GPU'}`);
  if (info.cuda_available) {
    lines.push(`  CUDA is available: ${info.devices.length} GPU(s), ${info.devices.join(', ')}`);
  } else {
    lines.push(
      `  CUDA is not available here${info.cuda_error ? ` (${info.cuda_error})` : ''}: expected while building an image or on a machine ` +
        'without an NVIDIA GPU and driver; on the GPU pod it must be available.',
    );
  }
  return { lines, torchOk: true };
}

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const names = argv.filter((a) => !a.startsWith('--'));
  const known = new Set(['--recreate', '--require-torch', '--dry-run', '--cpu-test']);
  const engine = ENGINES[names[0]];
  if (names.length !== 1 || !engine || [...flags].some((f) => !known.has(f))) {
    throw new EnvError(`Usage: scripts/engines/create-env <${Object.keys(ENGINES).join('|')}> [--recreate] [--require-torch] [--dry-run] [--cpu-test]`);
  }
  const name = names[0];
  const checkout = path.resolve(PROJECT_ROOT, process.env[engine.pathVar]?.trim() || engine.defaultPath);
  const requirements = path.join(checkout, 'requirements.txt');
  if (!existsSync(requirements)) {
    throw new EnvError(`${shown(checkout)} has no requirements.txt. Fetch the engine first: scripts/vendor/sync ${name}`);
  }
  if (flags.has('--cpu-test')) {
    const pins = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'vendor', 'VENDOR_PINS.json'), 'utf8'));
    const torchFrom = name === 'comfyui' ? path.resolve(PROJECT_ROOT, process.env.AITOOLKIT_PATH?.trim() || 'vendor/ai-toolkit') : undefined;
    const env = ensureTestEnv(name, checkout, { commit: pins[name]?.commit, torchFrom });
    say(`The CPU test environment of ${name} is ${env.built ? 'built' : 'up to date'}: ${env.python}`);
    return 0;
  }
  const venv = path.join(checkout, 'venv');
  const venvPython = path.join(venv, 'bin', 'python');
  const basePython = process.env.ISENGARD_PYTHON?.trim() || 'python3';

  const version = run(basePython, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { capture: true });
  if (version.status !== 0) throw new EnvError(`${basePython} does not run. Install Python 3.10 or newer, or set ISENGARD_PYTHON.`);
  const [major, minor] = version.stdout.trim().split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) {
    throw new EnvError(`${name} needs Python 3.10 or newer; ${basePython} is ${version.stdout.trim()}. Set ISENGARD_PYTHON to a newer one.`);
  }

  const installs = [];
  if (name === 'ai-toolkit') {
    const readme = path.join(checkout, 'README.md');
    const torch = existsSync(readme) ? torchInstallArgs(readFileSync(readme, 'utf8')) : undefined;
    if (torch) installs.push(torch);
    else say(`Note: ${shown(readme)} names no torch install line; torch can only come from requirements.txt.`);
  }
  installs.push(['-r', 'requirements.txt']);
  if (engine.extra.length) installs.push(engine.extra);

  if (flags.has('--dry-run')) {
    say(`Would create ${shown(venv)} with ${basePython} (Python ${version.stdout.trim()}) and run, in ${shown(checkout)}:`);
    for (const args of installs) say(`  ${shown(venvPython)} -m pip install ${args.join(' ')}`);
    return 0;
  }

  if (flags.has('--recreate')) rmSync(venv, { recursive: true, force: true });
  if (existsSync(venvPython)) {
    say(`Using the existing environment ${shown(venv)} (--recreate starts from an empty one).`);
  } else {
    say(`Creating ${shown(venv)} with ${basePython} (Python ${version.stdout.trim()}) ...`);
    const created = run(basePython, ['-m', 'venv', venv], { capture: true });
    if (created.status !== 0) {
      throw new EnvError(
        `Python could not create a virtual environment in ${shown(venv)}:\n${created.stderr.trim()}\n` +
          '(On Debian or Ubuntu: apt-get install python3-venv.)',
      );
    }
  }
  for (const args of installs) {
    say(`Installing: pip install ${args.join(' ')}`);
    const pip = run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...args], { cwd: checkout });
    if (pip.status !== 0) throw new EnvError(`pip could not install "${args.join(' ')}" into ${shown(venv)} (its messages are above).`);
  }

  const { lines, torchOk } = report(venvPython);
  say('');
  say(`The ${name} environment is ready: ${shown(venv)}`);
  for (const line of lines) say(line);
  if (!torchOk && flags.has('--require-torch')) {
    process.stderr.write(`${name}: torch is required (--require-torch) and is not usable in ${shown(venv)}.\n`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof EnvError || err instanceof TestEnvError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}
