import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createLogger, logFilePath } from '../../../lib/logger/logger';
import type { TrainingEngine, TrainingEngineEvent, TrainingJob, TrainingLogs, TrainingOutcome } from '../../../plugins/training/interface';

/**
 * The ai-toolkit adapter (plugins/training/ai-toolkit/engine.ts) driven directly with the real run.py: one start of a
 * run at a time, its events and the engine's console as the adapter logged it.
 */

/** A prepared dataset as the product writes one: photos with a caption file each. */
export async function captionedDataset(dir: string, count: number, width: number, height: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width, height, channels: 3, background: { r: 30 + 60 * i, g: 90, b: 140 } } })
      .jpeg()
      .toFile(path.join(dir, `${i}.jpg`));
    writeFileSync(path.join(dir, `${i}.txt`), 'photo of [trigger]');
  }
  return dir;
}

export interface AdapterStart {
  outcome: TrainingOutcome;
  events: TrainingEngineEvent[];
  /** Everything the engine printed on stdout and stderr during this start (the adapter's log lines). */
  console: string;
}

/**
 * Starts the engine once for `job` and waits for the start to end. `onEvent` sees each event as it comes (to act
 * mid-run); the console is read from the log file the adapter wrote for this start.
 */
export async function startOnce(
  engine: TrainingEngine,
  job: TrainingJob,
  logDir: string,
  label: string,
  onEvent: (event: TrainingEngineEvent) => void = () => undefined,
): Promise<AdapterStart> {
  const logger = createLogger({ service: 'worker', file: label, level: 'DEBUG', dir: logDir });
  const logs: TrainingLogs = { stdout: logger, stderr: logger };
  const events: TrainingEngineEvent[] = [];
  const session = await engine.start(
    job,
    (event) => {
      events.push(event);
      onEvent(event);
    },
    logs,
  );
  const outcome = await session.done;
  logger.flush();
  const file = logFilePath(logDir, 'worker', label);
  return { outcome, events, console: existsSync(file) ? readFileSync(file, 'utf8') : '' };
}

/** The engine records of a run's starts (`starts/<start>.engine.json`), one per start that spawned the engine. */
export function engineRecords(runDir: string): Array<{ file: string; pid: number }> {
  const starts = path.join(runDir, 'starts');
  if (!existsSync(starts)) return [];
  return readdirSync(starts)
    .filter((f) => f.endsWith('.engine.json'))
    .map((f) => ({ file: f, pid: (JSON.parse(readFileSync(path.join(starts, f), 'utf8')) as { pid: number }).pid }));
}

/** The live child processes of `pid` (Linux: /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const tasks = path.join('/proc', String(pid), 'task');
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((tid) => {
    try {
      return readFileSync(path.join(tasks, tid, 'children'), 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** The command line of a live process, or '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(path.join('/proc', String(pid), 'cmdline'), 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * The process that runs `run.py` for the newest start of a run: the watchdog's child (`python launch.py run.py …`,
 * which runs run.py in its own process), not the watchdog nor the GPU worker.
 */
export function runPyPid(runDir: string): number | undefined {
  const newest = engineRecords(runDir).at(-1);
  if (!newest) return undefined;
  return childPids(newest.pid).find((pid) => / run\.py /.test(commandLine(pid)));
}

/** Runs a command to its end and returns its exit code and output (stdout and stderr together). */
export function runToEnd(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
