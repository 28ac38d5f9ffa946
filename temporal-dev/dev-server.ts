import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_ARGS } from '../lib/temporal/search-attributes';

/** How Isengard runs `temporal server start-dev` (design §3): everything on loopback, state in a SQLite file. */
export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** Web UI port; null runs the server headless (tests). */
  uiPort: number | null;
  namespace: string;
  /** SQLite file, so workflows survive restarts; omit for an in-memory server (tests). */
  dbFile?: string;
  ip?: string;
}

export function devServerArgs(o: DevServerOptions): string[] {
  const ip = o.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(o.port), '--namespace', o.namespace];
  for (const attribute of SEARCH_ATTRIBUTE_ARGS) args.push('--search-attribute', attribute);
  for (const value of [
    // The same dynamic config the SDK's own test server uses.
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    // Jobs waiting for a GPU are handed out in order, fairly between users (fairness keys): one partition per
    // task queue (a single host has no use for more) and the matcher that implements fairness.
    'matching.numTaskqueueReadPartitions=1',
    'matching.numTaskqueueWritePartitions=1',
    'matching.useNewMatcher=true',
    'matching.enableFairness=true',
    // The history service reads its queue of tasks bound for matching at most 20 times a second by default, which
    // adds 25–50 ms before every workflow and activity task is handed out (measured: 80 → 16 ms per activity hop).
    // The reads only happen when there is something new, so an idle server costs the same.
    'history.transferProcessorMaxPollRPS=1000',
    // A workflow started by the control plane may take its first task on the control worker in the same process,
    // in the start call's answer (eager start), saving the trip through the task queue.
    'system.enableEagerWorkflowStart=true',
    // An activity a workflow schedules on its own task queue (the control steps of every job) may come back to the
    // same worker in the answer to the workflow task (eager activity dispatch), instead of a trip through matching.
    'system.enableActivityEagerExecution=true',
  ]) {
    args.push('--dynamic-config-value', value);
  }
  // Write-ahead logging, synced at checkpoints rather than at every commit (measured, five activity hops on a
  // file-backed server: 66 ms with WAL alone, 58 with this, 54 in memory). A crashed or killed server loses
  // nothing; only a power cut or kernel crash can take back the commits since the last checkpoint, and the file
  // stays consistent.
  if (o.dbFile) args.push('--db-filename', o.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  if (o.uiPort === null) args.push('--headless');
  else args.push('--ui-ip', ip, '--ui-port', String(o.uiPort), '--ui-disable-news-fetch');
  args.push('--log-format', 'json', '--log-level', 'warn');
  return args;
}

/** Resolves when nothing listens on host:port. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Any free TCP port on loopback. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the server answers for `namespace`. */
export async function waitForTemporal(address: string, namespace: string, timeoutMs = 60_000, exited?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited?.()) throw new Error('The Temporal dev server exited while starting');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`The Temporal dev server did not become ready at ${address}: ${(lastError as Error)?.message}`);
}

export interface DevServer {
  process: ChildProcess;
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Starts the dev server and resolves once it answers. `onLine` receives each line it prints (JSON log lines and
 * its start-up banner), for the caller to log.
 */
export async function startDevServer(
  options: DevServerOptions,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void = () => {},
): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  for (const port of [options.port, options.uiPort]) {
    if (port !== null && !(await portIsFree(port, ip))) {
      throw new Error(
        `Port ${port} on ${ip} is already in use, so the Temporal dev server cannot start. ` +
          'Stop what uses it, or choose other ports with TEMPORAL_PORT and TEMPORAL_UI_PORT.',
      );
    }
  }
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const child = spawn(options.cliPath, devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  for (const [stream, name] of [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => line.trim() && onLine(line, name));
  }

  const address = `${ip}:${options.port}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => !exited && process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  try {
    await waitForTemporal(address, options.namespace, 60_000, () => exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, address, uiUrl: options.uiPort === null ? null : `http://${ip}:${options.uiPort}`, stop };
}
