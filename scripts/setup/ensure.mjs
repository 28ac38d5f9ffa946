// Installs whatever `npm start` or `npm test` needs and is missing, on a fresh clone or after a pull.
// Plain Node with no dependencies: it runs before node_modules exists.
//   node scripts/setup/ensure.mjs start   npm packages, the Temporal CLI; builds the web app, workflows, server code
//   node scripts/setup/ensure.mjs test    npm packages, the Temporal CLI, hadolint (the Dockerfile linter), SeaweedFS (the
//                                         tests' S3 server), Chromium
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { obtainTemporalCli, PROJECT_ROOT } from '../../temporal-dev/obtain.mjs';
import { obtainChromium } from './chromium.mjs';
import { builtIsFresh, mtime } from './freshness.mjs';
import { obtainHadolint } from './hadolint.mjs';
import { obtainSeaweedfs } from './seaweedfs.mjs';
import { buildServer, serverBuildIsFresh } from './server-build.mjs';
import { workflowBundleIsFresh } from './workflow-bundle.mjs';

const purpose = process.argv[2] ?? 'start';
const say = (msg) => process.stdout.write(`${msg}\n`);

function fail(msg) {
  process.stderr.write(`\n${msg}\n`);
  process.exit(1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
  if (!ok) fail(`Isengard needs Node.js 20.19 or newer (this is ${process.versions.node}). Install it from https://nodejs.org and run again.`);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
  if (result.status !== 0) fail(`"${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal}).`);
}

function ensurePackages() {
  const lock = path.join(PROJECT_ROOT, 'package-lock.json');
  const installed = path.join(PROJECT_ROOT, 'node_modules', '.package-lock.json');
  if (mtime(installed) >= mtime(lock)) return;
  say('Installing npm packages (npm ci) ...');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function ensureWebBuild() {
  if (builtIsFresh(path.join(PROJECT_ROOT, 'dist', 'web', 'index.html'), ['web', 'lib/contracts'])) return;
  say('Building the web app ...');
  run('npm', ['run', '--silent', 'build:web']);
}

/** The workflow bundle the control worker loads (bundling as it starts would cost it about 120 MB for good). */
function ensureWorkflowBundle() {
  if (process.env.WORKFLOW_BUNDLE || workflowBundleIsFresh()) return;
  say('Bundling the workflow code ...');
  run('npm', ['run', '--silent', 'build:workflows']);
}

/** The control plane's and the GPU worker's JavaScript (compiling TypeScript as they load costs memory and time). */
async function ensureServerBuild() {
  if (serverBuildIsFresh()) return;
  say('Building the server code ...');
  try {
    await buildServer();
  } catch (err) {
    fail(`Building the server code failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

checkNode();
ensurePackages();
// With TEMPORAL_ADDRESS set, Isengard uses that server and starts none of its own.
if (!process.env.TEMPORAL_ADDRESS) {
  try {
    await obtainTemporalCli({ say });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}
if (purpose === 'start') {
  ensureWebBuild();
  ensureWorkflowBundle();
  await ensureServerBuild();
}
if (purpose === 'test') {
  try {
    await obtainHadolint({ say });
    await obtainSeaweedfs({ say });
    await obtainChromium({ say });
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}
