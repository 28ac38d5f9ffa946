import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { freePort } from '../../../temporal-dev/dev-server';
import { commandLine, descendants, isAlive } from './proc';
import { sleep } from './stats';

/** The processes of a running all-in-one, by role. */
export interface InstancePids {
  supervisor: number;
  temporal: number;
  controlPlane: number;
  gpuWorker: number;
  /** The ComfyUI simulator the GPU worker runs (its node process, not the watchdog around it). */
  comfy: number | undefined;
}

interface LogLine {
  timestamp: string;
  event: string;
  message: string;
  context: Record<string, unknown>;
}

/**
 * `npm start` as a user runs it (scripts/runtime/start.ts: the supervisor with its own Temporal dev server, the
 * control plane and a GPU worker), on free ports with data and log folders of its own under the OS temp folder,
 * in fast-test mode. Never uses the default ports.
 */
export class BenchInstance {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'isengard-bench-'));
  env: NodeJS.ProcessEnv = {};
  child: ChildProcess | undefined;
  output = '';
  /** Every process of this instance seen so far, with its command line (a reused pid is never killed). */
  private known = new Map<number, string>();

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  async prepare(): Promise<void> {
    this.env = {
      ...process.env,
      ISENGARD_MODE: 'fast-test',
      DATA_DIR: path.join(this.root, 'data'),
      LOG_DIR: path.join(this.root, 'logs'),
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      COMFYUI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_NAMESPACE: '',
      DATABASE_URL: '',
      WORKFLOW_BUNDLE: '',
      COMFYUI_URL: '',
      COMFYUI_HOST: '',
      CONTROL_PLANE_URL: '',
      // The bench measures the platform, not the machine's free disk (the default warning is 10 GB).
      DISK_LOW_FREE_MB: '64',
      DISK_RESERVE_MB: '16',
      ...this.extraEnv,
    };
  }

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  get comfyUrl(): string {
    return `http://127.0.0.1:${this.env.COMFYUI_PORT}`;
  }

  get logDir(): string {
    return this.env.LOG_DIR!;
  }

  get dataDir(): string {
    return this.env.DATA_DIR!;
  }

  /** Starts the supervisor; resolves with the milliseconds until it printed "Isengard is ready". */
  async start(timeoutMs = 180_000): Promise<number> {
    if (!this.env.PORT) await this.prepare();
    // Only this start's output counts: a restarted instance printed "Isengard is ready" before.
    this.output = '';
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/runtime/start.ts')], {
      cwd: PROJECT_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += String(d)));
    child.stderr!.on('data', (d) => (this.output += String(d)));
    const deadline = Date.now() + timeoutMs;
    while (!/Isengard is ready/.test(this.output)) {
      if (/Isengard is running but not fully healthy|could not start/.test(this.output) || child.exitCode !== null) {
        throw new Error(`Isengard did not become healthy:\n${this.output}`);
      }
      if (Date.now() > deadline) throw new Error(`Isengard was not ready after ${timeoutMs / 1000} s:\n${this.output}`);
      await sleep(20);
    }
    const readyMs = performance.now() - started;
    this.remember();
    return readyMs;
  }

  logLines(service: 'api' | 'worker' | 'temporal', file: string = service): LogLine[] {
    const full = path.join(this.logDir, service, 'latest', `${file}.log`);
    if (!existsSync(full)) return [];
    return readFileSync(full, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  /** The newest pid of a supervised process, from the supervisor's `process.start` lines. */
  private childPid(service: 'api' | 'worker' | 'temporal', name: string): number {
    const starts = this.logLines(service).filter((l) => l.event === 'process.start' && l.message.startsWith(`Started ${name}`));
    const pid = starts.at(-1)?.context.pid;
    if (typeof pid !== 'number') throw new Error(`No pid logged for ${name}`);
    return pid;
  }

  pids(): InstancePids {
    this.remember();
    const gpuWorker = this.childPid('worker', 'GPU worker');
    const comfy = descendants(gpuWorker).find((pid) => /comfyui\/simulator\/server\.ts/.test(commandLine(pid)) && commandLine(pid).startsWith(process.execPath));
    return {
      supervisor: this.child!.pid!,
      temporal: this.childPid('temporal', 'Temporal dev server'),
      controlPlane: this.childPid('api', 'control plane'),
      gpuWorker,
      comfy,
    };
  }

  /** Notes every process of the instance, so that {@link kill} can end them even if the supervisor is gone. */
  remember(): void {
    if (!this.child?.pid) return;
    for (const pid of [this.child.pid, ...descendants(this.child.pid)]) if (!this.known.has(pid)) this.known.set(pid, commandLine(pid));
  }

  /** Stops everything the way Ctrl-C does; kills what is left after `timeoutMs`. */
  async stop(timeoutMs = 60_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return this.kill();
    this.remember();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(timeoutMs)]);
    this.kill();
  }

  /** Kills every process of this instance still alive (only those this instance started). */
  kill(): void {
    const supervisorAlive = this.child && this.child.exitCode === null && this.child.signalCode === null;
    if (supervisorAlive) this.remember();
    this.child?.kill('SIGKILL');
    for (const [pid, command] of this.known) {
      if (!isAlive(pid) || commandLine(pid) !== command) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }

  cleanup(): void {
    this.kill();
    if (process.env.KEEP_BENCH_DIRS !== '1') rmSync(this.root, { recursive: true, force: true });
  }
}

/** JSON over HTTP against an instance; throws on a non-2xx answer with the error body. */
export async function api<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} → ${response.status}: ${text.slice(0, 400)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
