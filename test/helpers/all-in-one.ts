import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';
import { commandLine } from '../../scripts/bench/lib/proc';
import { freePort } from '../../temporal-dev/dev-server';
import { eventually } from './stack';

export interface AllInOne {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

interface LogLine {
  event: string;
  correlation_id: string | null;
  context: Record<string, unknown>;
  message: string;
}

/**
 * `npm start` as a user runs it (the supervisor entry point with its own Temporal dev server, the control plane
 * and a GPU worker), on free ports with data and log folders of its own.
 */
export class AllInOneInstance {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'isengard-start-'));
  readonly running: AllInOne[] = [];
  env: NodeJS.ProcessEnv = {};

  async prepare(extra: Record<string, string> = {}): Promise<void> {
    this.env = {
      ...process.env,
      DATA_DIR: path.join(this.root, 'data'),
      LOG_DIR: path.join(this.root, 'logs'),
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      COMFYUI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      TEMPORAL_NAMESPACE: '',
      DATABASE_URL: '',
      WORKFLOW_BUNDLE: '',
      // A test machine may have little free disk: the default warning (10 GB) would make health degraded.
      DISK_LOW_FREE_MB: '64',
      DISK_RESERVE_MB: '16',
      ...extra,
    };
  }

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** Starts the supervisor and waits for the line that says it is up (a GPU worker alone says so its own way). */
  async start(ready: RegExp = /Isengard is (ready|running)/): Promise<AllInOne> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/runtime/start.ts')], {
      cwd: PROJECT_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += String(d)));
    child.stderr!.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const instance = { child, output: () => output, exited };
    this.running.push(instance);
    await eventually(async () => (ready.test(output) ? true : undefined), 120_000, () => `start-up:\n${output}`);
    return instance;
  }

  logLines(service: 'api' | 'worker' | 'temporal'): LogLine[] {
    return readFileSync(path.join(this.root, 'logs', service, 'latest', `${service}.log`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine);
  }

  /** The pid of the newest start of a supervised process, from the supervisor's `process.start` lines. */
  childPid(service: 'api' | 'worker' | 'temporal', name: string): number {
    const starts = this.logLines(service).filter((l) => l.event === 'process.start' && l.message.startsWith(`Started ${name}`));
    return starts.at(-1)!.context.pid as number;
  }

  cleanup(): void {
    for (const r of this.running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    // Whatever still runs with this instance's folders in its command line or environment (a supervisor killed
    // above leaves its children; once a full test run also found this instance's Temporal dev server alive after
    // a clean stop).
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)) {
      if (pid !== process.pid && (commandLine(pid).includes(this.root) || environment(pid).includes(this.root))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

function environment(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}
