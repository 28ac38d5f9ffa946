// Finds or installs the Chromium the browser tests drive through playwright-core: CHROMIUM_PATH, else the
// system's Chromium (Debian's `chromium` package); when it is missing and apt-get can be used, it is installed.
// Playwright's own browser download is never used (it needs a CDN this project cannot count on).
import { spawnSync } from 'node:child_process';
import { isExecutable } from './tools.mjs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** @returns {string | undefined} the browser to drive, if this machine has one */
export function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find(isExecutable);
}

function asRoot(args) {
  const root = process.getuid?.() === 0;
  if (!root && spawnSync('sudo', ['-n', 'true']).status !== 0) return false;
  const [command, rest] = root ? [args[0], args.slice(1)] : ['sudo', ['-n', ...args]];
  const result = spawnSync(command, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** Returns the browser's path, installing Debian's `chromium` when it is missing and apt-get is usable. */
export async function obtainChromium({ say = () => {} } = {}) {
  const found = findChromium();
  if (found) return found;
  if (isExecutable('/usr/bin/apt-get')) {
    say('Installing Chromium for the browser tests (apt-get install chromium) ...');
    if (asRoot(['apt-get', 'update', '-qq']) && asRoot(['apt-get', 'install', '-y', '-qq', 'chromium'])) {
      const installed = findChromium();
      if (installed) return installed;
    }
  }
  throw new Error(
    'The browser tests need Chromium and none was found. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome executable.',
  );
}
