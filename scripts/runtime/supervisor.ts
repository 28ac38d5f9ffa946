import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../lib/logger/logger';

export interface ChildSpec {
  /** Shown in messages, e.g. "control plane". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the supervisor logs this child's life (start, exit, restart) and its stray stderr. */
  logger: Logger;
  /** Each line the child prints. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long a stopping child gets before it is killed. */
  stopTimeoutMs: number;
  /** Told, in a short sentence, when the child crashes and is restarted. */
  notify?: (message: string) => void;
  /** Called with the pid of every (re)start. */
  onStart?: (pid: number) => void;
}

export const BACKOFF_MS = { first: 1_000, max: 30_000 } as const;
/** A child that ran this long before crashing starts over with the shortest delay. */
const STABLE_AFTER_MS = 60_000;

/** The delay before restart number `n` (1-based): 1 s, 2 s, 4 s … capped at 30 s. */
export function restartDelay(n: number): number {
  return Math.min(BACKOFF_MS.first * 2 ** Math.max(0, n - 1), BACKOFF_MS.max);
}

/** Keeps one child process running: restarts it with backoff when it exits on its own, stops it on request. */
export class SupervisedChild {
  private child: ChildProcess | undefined;
  private stopping = false;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(readonly spec: ChildSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { spec } = this;
    const startedAt = Date.now();
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches only the supervisor, which stops the children
      // in order (workers before the Temporal server they report to).
      detached: true,
    });
    this.child = child;
    spec.logger.info('process.start', `Started ${spec.name} (pid ${child.pid})`, { pid: child.pid, restarts: this.restarts });
    if (child.pid !== undefined) spec.onStart?.(child.pid);
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      createInterface({ input: stream! }).on('line', (line) => line && spec.onLine?.(line, name));
    }
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        spec.logger.error('process.spawn_failed', `Could not start ${spec.name}: ${err.message}`, { error: err });
      });
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) {
          spec.logger.info('process.exit', `${spec.name} stopped`, { code, signal });
          return;
        }
        const ranMs = Date.now() - startedAt;
        this.crashes = ranMs > STABLE_AFTER_MS ? 1 : this.crashes + 1;
        const delay = restartDelay(this.crashes);
        const message = `${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`;
        spec.logger.error('process.crashed', message, { code, signal, ranMs, delayMs: delay });
        spec.notify?.(message);
        this.restartTimer = setTimeout(() => {
          this.restarts++;
          this.start();
        }, delay);
      });
    });
  }

  /** Asks the child to stop (SIGTERM), kills it after the timeout; never restarts it again. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.spec.logger.warn('process.kill', `${this.spec.name} did not stop in time; killing it`);
      child.kill('SIGKILL');
    }, this.spec.stopTimeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }
}
