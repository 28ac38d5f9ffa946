import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { Config } from '../../lib/config';
import type { Health } from '../../lib/contracts/health';
import { createLogger, type Logger } from '../../lib/logger/logger';
import { rotateServiceLogs } from '../../lib/logger/rotate';
import { SERVICES, type Service } from '../../lib/logger/schema';
import { configOrExit, SUPERVISED_ENV } from '../../lib/process';
import { ensureStorage } from '../../lib/storage';
import { ensureSearchAttributes } from '../../lib/temporal/setup';
import { devServerArgs, portIsFree, waitForTemporal } from '../../temporal-dev/dev-server';
import { obtainTemporalCli } from '../../temporal-dev/obtain.mjs';
import { SupervisedChild } from './supervisor';
import { relogTemporalLine } from './temporal-log';
import { terminalLine } from './terminal';
import { SERVER_BUILD_DIR, SERVER_ENTRIES, serverBuildIsFresh, type ServerEntryName } from '../setup/server-build.mjs';
import { WORKFLOW_BUNDLE_PATH, workflowBundleIsFresh } from '../setup/workflow-bundle.mjs';

/**
 * `npm start`: the all-in-one (design §3). Runs the Temporal dev server (unless TEMPORAL_ADDRESS names another),
 * the control plane and one GPU worker under a supervisor that restarts a crashed child with backoff; Ctrl-C
 * stops everything in order (workers drain, a trainer checkpoints, then Temporal stops). ISENGARD_ROLE runs a part:
 * `control-plane` without the GPU worker, `gpu-worker` only the GPU worker (joining a control plane elsewhere).
 */
const config = configOrExit();
const say = (line = '') => process.stdout.write(`${line}\n`);

for (const service of SERVICES) rotateServiceLogs(config.log.dir, service);
const supervisorLogger = (service: Service): Logger =>
  createLogger({ service, level: config.log.level, dir: config.log.dir, secrets: config.secrets, maxFileBytes: config.log.maxFileBytes });
// The supervisor's own lines go to the log of the service they concern.
const loggers = { api: supervisorLogger('api'), worker: supervisorLogger('worker'), temporal: supervisorLogger('temporal') };
const log = loggers.api;
ensureStorage(config.storage);

// The control worker loads the prebuilt workflow bundle (ensure.mjs keeps it fresh) instead of bundling as it
// starts, which would leave it about 120 MB larger; a stale or missing bundle falls back to bundling.
const prebuiltBundle = !process.env.WORKFLOW_BUNDLE && workflowBundleIsFresh() ? { WORKFLOW_BUNDLE: WORKFLOW_BUNDLE_PATH } : {};
const childEnv = { ...process.env, ...prebuiltBundle, [SUPERVISED_ENV]: '1' };
/**
 * glibc raises its mmap threshold each time a large block is freed, and from then on serves blocks of that size
 * from heaps it rarely gives back; the compiler's scratch memory for PGlite's WebAssembly went there and stayed.
 * Holding the threshold at its starting 128 KB returns such blocks to the system when they are freed. Ignored by
 * other C libraries; tunables a user set come after it, so theirs win.
 */
const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=131072';
const nodeChildEnv = { ...childEnv, GLIBC_TUNABLES: [MALLOC_TUNABLES, process.env.GLIBC_TUNABLES].filter(Boolean).join(':') };
const execFileAsync = promisify(execFile);
/**
 * How to run one of our processes: built JavaScript while the build is fresh, else its TypeScript through tsx.
 * One V8 helper thread instead of four: each thread that compiles (PGlite's WebAssembly above all) keeps the
 * memory it freed for itself (a process that opens PGlite settles about 60 MB lower), and none of these processes
 * is bound by JavaScript CPU time. No --enable-source-maps: with it Node reads the source map of every module it
 * loads and keeps them, and the first stack it prints (the Temporal SDK prints one as it loads the workflow
 * bundle) parses them for good, about 11 MB in the control plane. The bundles are not minified, so a stack frame
 * still names the function; set NODE_OPTIONS=--enable-source-maps to have frames point at the TypeScript.
 * Whether the build is fresh is checked once: every process of a start runs from it.
 */
const serverBuilt = serverBuildIsFresh();
const nodeEntry = (name: ServerEntryName) => {
  const entry = serverBuilt
    ? [path.join(SERVER_BUILD_DIR, `${name}.mjs`)]
    : ['--import', 'tsx', path.join(config.projectRoot, SERVER_ENTRIES[name])];
  const args = ['--v8-pool-size=1', ...entry];
  return [process.execPath, args] as const;
};
const showInTerminal = (source: string) => (line: string) => {
  const shown = terminalLine(line, source, config.log.level === 'DEBUG' ? 'DEBUG' : 'WARN');
  if (shown) say(shown);
};

/**
 * Creates the embedded database on the first start in a process of its own: PGlite keeps the memory its creation
 * needed (over 100 MB) for as long as the process lives, so the control plane opens an existing one instead.
 */
async function createEmbeddedDatabase(): Promise<void> {
  if (config.databaseUrl || existsSync(path.join(config.storage.pg, 'PG_VERSION'))) return;
  say('Creating the database ...');
  const [command, args] = nodeEntry('migrate');
  try {
    await execFileAsync(command, [...args], { cwd: config.projectRoot, env: process.env });
  } catch (err) {
    // The control plane tries again as it starts, and says what is wrong where the operator looks.
    log.warn('db.create_failed', 'Creating the database in its own process failed; the control plane will try', {
      error: String((err as { stderr?: string }).stderr ?? err).slice(-2000),
    });
  }
}

/** A dev server left behind by an earlier run that was killed with its supervisor holds our ports: stop it. */
function stopOrphanedDevServer(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('start-dev') && cmdline.includes(config.storage.temporal)) {
      process.kill(pid, 'SIGTERM');
      log.warn('temporal.orphan_stopped', `Stopped a Temporal dev server left running by an earlier start (pid ${pid})`);
    }
  } catch {
    // not running any more
  }
  rmSync(pidFile, { force: true });
}

async function startTemporal(cfg: Config): Promise<SupervisedChild | undefined> {
  if (!cfg.temporal.managed) {
    say(`Using the Temporal server at ${cfg.temporal.address} (TEMPORAL_ADDRESS).`);
    await waitForTemporal(cfg.temporal.address, cfg.temporal.namespace, 60_000);
    return undefined;
  }
  const pidFile = path.join(cfg.storage.temporal, 'dev-server.pid');
  stopOrphanedDevServer(pidFile);
  for (const port of [cfg.temporal.port, cfg.temporal.uiPort]) {
    for (let i = 0; i < 20 && !(await portIsFree(port)); i++) await new Promise((r) => setTimeout(r, 250));
    if (!(await portIsFree(port))) {
      throw new Error(`Port ${port} is already in use. Stop what uses it, or set TEMPORAL_PORT / TEMPORAL_UI_PORT to free ports.`);
    }
  }
  const cliPath = await obtainTemporalCli({ say });
  const args = devServerArgs({
    cliPath,
    port: cfg.temporal.port,
    uiPort: cfg.temporal.uiPort,
    namespace: cfg.temporal.namespace,
    dbFile: path.join(cfg.storage.temporal, 'temporal.db'),
  });
  const child = new SupervisedChild({
    name: 'Temporal dev server',
    command: cliPath,
    args,
    env: childEnv,
    logger: loggers.temporal,
    stopTimeoutMs: 15_000,
    notify: say,
    // Remembered so that a start after this supervisor was killed can stop a dev server left behind.
    onStart: (pid) => writeFileSync(pidFile, String(pid)),
    onLine: (line) => {
      const message = relogTemporalLine(loggers.temporal, line);
      if (message.level === 'ERROR') say(`  temporal | ${message.text}`);
    },
  });
  child.start();
  await waitForTemporal(cfg.temporal.address, cfg.temporal.namespace, 60_000);
  const connection = await Connection.connect({ address: cfg.temporal.address });
  await ensureSearchAttributes(connection, cfg.temporal.namespace, loggers.temporal);
  await connection.close();
  return child;
}

/**
 * Whether start-up is over: healthy, or degraded for a reason waiting will not fix (every process up and the GPU
 * worker has reported its engines, none of them still starting: what is still missing, e.g. engines or weights on a
 * machine without them, stays).
 */
function settled(health: Health): boolean {
  if (health.status === 'ok') return true;
  const { database, temporal, workers, engines } = health.checks;
  return database.ok && temporal.ok && workers.ok && !engines.message.startsWith('No running GPU worker') && !engines.starting;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<Health | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: Health | undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      last = (await response.json()) as Health;
      if (settled(last)) return last;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

async function main(): Promise<void> {
  const started = Date.now();
  const part = config.role === 'all' ? '' : ` as ${config.role === 'gpu-worker' ? 'a GPU worker' : 'the control plane only'}`;
  say(`Isengard is starting${part} (${config.mode === 'fast-test' ? 'fast-test mode: engines are simulated' : 'production mode'}) ...`);
  say(`  Data: ${config.storage.root}`);
  say(`  Logs: ${config.log.dir}`);

  // Filled in as processes start; a Ctrl-C during start-up stops whatever is already running.
  const running: { temporal?: SupervisedChild; processes: SupervisedChild[] } = { processes: [] };
  let stopping = false;
  const stopAll = async (reason: string) => {
    if (stopping) {
      say('Stopping now without waiting.');
      for (const child of [...running.processes, running.temporal]) child?.kill();
      process.exit(130);
    }
    stopping = true;
    say(`\n${reason}: stopping (workers finish or checkpoint their work first; Ctrl-C again to force) ...`);
    log.info('supervisor.stopping', `Stopping all processes (${reason})`);
    await Promise.all(running.processes.map((c) => c.stop()));
    await running.temporal?.stop();
    rmSync(path.join(config.storage.temporal, 'dev-server.pid'), { force: true });
    log.info('supervisor.stopped', 'All processes stopped');
    say('Isengard stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('Ctrl-C'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  running.temporal = await startTemporal(config);
  const controlPlane = config.role !== 'gpu-worker';
  if (controlPlane) await createEmbeddedDatabase();

  const grace = (config.shutdownGraceSeconds + 45) * 1000;
  const [apiCommand, apiArgs] = nodeEntry('control-plane');
  const [gpuCommand, gpuArgs] = nodeEntry('gpu-worker');
  const processes = [
    { name: 'control plane', command: apiCommand, args: [...apiArgs], logger: loggers.api, source: 'api', stopTimeoutMs: 45_000 },
    { name: 'GPU worker', command: gpuCommand, args: [...gpuArgs], logger: loggers.worker, source: 'gpu', stopTimeoutMs: grace },
  ].filter((spec) => (spec.source === 'api' ? controlPlane : config.role !== 'control-plane'));
  for (const spec of processes) {
    const child = new SupervisedChild({
      ...spec,
      env: nodeChildEnv,
      cwd: config.projectRoot,
      notify: say,
      onLine: (line, stream) => {
        if (stream === 'stderr') spec.logger.warn('process.stderr', line, { child: spec.name });
        showInTerminal(spec.source)(line);
      },
    });
    child.start();
    running.processes.push(child);
  }

  if (!controlPlane) {
    say('');
    say(`GPU worker ${config.gpu.workerId} started: it takes jobs from ${config.temporal.address} and reports to ${config.controlPlaneUrl}.`);
    say(`  Files: ${config.artifacts.kind === 's3' ? 'through the object store (STORAGE_URL)' : `through the data root ${config.storage.root}, which must be the control plane's (a shared volume)`}`);
    say('  Stop with Ctrl-C or SIGTERM: the worker takes no new job, and finishes or checkpoints the one it has.');
    log.info('supervisor.ready', `GPU worker ${config.gpu.workerId} started`, { workerId: config.gpu.workerId, role: config.role });
    return;
  }

  const webUrl = `http://${config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  const health = await waitForHealth(webUrl, 90_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say('');
  if (health?.status === 'ok') {
    say(`Isengard is ready (${seconds} s).`);
  } else {
    say(`Isengard is running but not fully healthy (${health?.status ?? 'no answer'}):`);
    for (const [name, check] of Object.entries(health?.checks ?? {})) if (!check.ok) say(`  - ${name}: ${check.message}`);
  }
  say(`  Web UI:      ${webUrl}`);
  if (config.temporal.uiUrl) say(`  Temporal UI: ${config.temporal.uiUrl}`);
  if (config.http.host !== '127.0.0.1' && config.http.host !== 'localhost') {
    say(`  Listening on ${config.http.host}:${config.http.port}, reachable from other machines.`);
  }
  say('  Stop with Ctrl-C.');
  log.info('supervisor.ready', `Isengard is ${health?.status === 'ok' ? 'ready' : 'running'} at ${webUrl}`, {
    webUrl,
    temporalUiUrl: config.temporal.uiUrl,
    startupSeconds: Number(seconds),
    status: health?.status ?? null,
  });
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  log.error('supervisor.start_failed', `Isengard could not start: ${message}`, { error: err });
  process.stderr.write(`\nIsengard could not start: ${message}\n`);
  process.exit(1);
});
