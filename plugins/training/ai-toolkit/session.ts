import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TrainingEngineEvent, TrainingJob, TrainingLogs, TrainingOutcome, TrainingSession } from '../interface';
import { ConsoleParser, type EngineEvent, type EnginePhase } from './console-parser';
import { KEEP_NAME_TAG_ARGS, promptAsUsed } from './engine-text';
import { classifyFailure } from './failures';
import type { JobDb } from './job-db';
import { keepCheckpoint, listCheckpoints, listSamples, recordEngine, saveRoot, setAsideOptimizerState, type Checkpoint, type StartFiles } from './work-dir';
import { PROJECT_ROOT } from '../../../lib/project-root';

const WATCHDOG = path.join(PROJECT_ROOT, 'plugins', 'watchdog.py');
const LAUNCHER = path.join(PROJECT_ROOT, 'plugins', 'training', 'ai-toolkit', 'launch.py');
const WATCH_EVERY_MS = 1_000;
/** How long a save requested before a stop may take before the stop goes ahead without it. */
const SAVE_BEFORE_STOP_MS = 120_000;

export interface SessionOptions {
  python: string;
  /** Where `run.py` is: the ai-toolkit checkout, or the simulator. */
  checkout: string;
  start: StartFiles;
  jobDb: JobDb;
  job: TrainingJob;
  env: NodeJS.ProcessEnv;
  logs: TrainingLogs;
  silenceMs: number;
  onEvent: (event: TrainingEngineEvent) => void;
}

/** A sample's prompt as the person wrote it, with the trigger word in place of its tag (spec §7). */
function promptText(job: TrainingJob, index: number): string | null {
  const prompt = job.settings.samplePrompts[index];
  return prompt === undefined ? null : promptAsUsed(prompt, job.triggerWord);
}

/** The session of a run that already has its final LoRA: nothing to run, done at once. */
export function finishedSession(final: Checkpoint): TrainingSession {
  return {
    done: Promise.resolve({ kind: 'completed', finalCheckpoint: final.path, step: final.step }),
    saveNow: async () => undefined,
    stop: async () => undefined,
  };
}

/**
 * One engine process: `<python> run.py <config>` under the watchdog, in a process group of its own. Turns its
 * console into events, watches its folder for checkpoints and samples, and ends with a classified outcome.
 */
export async function startSession(o: SessionOptions): Promise<TrainingSession> {
  const root = saveRoot(o.job.runDir, o.job.name);
  const { startId, ownerFile, configFile, recordFile } = o.start;
  // Checkpoints and samples of earlier starts are known, not news: each is announced by the start that made it.
  const earlierCheckpoints = await listCheckpoints(root, o.job.name);
  const earlierSamples = await listSamples(root);
  const engine = [o.python, LAUNCHER, 'run.py', ...KEEP_NAME_TAG_ARGS, configFile];
  const child = spawn(o.python, [WATCHDOG, String(process.pid), '--owner', ownerFile, startId, '--', ...engine], {
    cwd: o.checkout,
    env: o.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new Error(`Could not start the trainer with ${o.python} in ${o.checkout}`);
  }
  await recordEngine(recordFile, pid);

  let phase: EnginePhase | undefined;
  let errorMessage: string | undefined;
  let stopRequested = false;
  let silent = false;
  let lastOutputAt = Date.now();
  const savedWaiters: Array<() => void> = [];
  /** The next checkpoint is one asked for (save now, or before a stop): it is kept for the life of the run. */
  let keepNext = false;
  let keeping: Promise<void> = Promise.resolve();
  /** The step of the save whose optimizer state is set aside once the engine steps past it (the save is then complete). */
  let stateOf: number | null = null;
  const seenCheckpoints = new Set(earlierCheckpoints.map((c) => `${c.path}:${c.step}`));
  const seenSamples = new Set(earlierSamples.map((s) => s.path));
  let lastCheckpoint: Checkpoint | null = earlierCheckpoints.at(-1) ?? null;

  /** Sets aside the optimizer state of the save at `stateOf`, once that save is complete. */
  const setAsideState = () => {
    const step = stateOf;
    if (step === null) return;
    stateOf = null;
    keeping = keeping
      .then(() => setAsideOptimizerState(o.job.runDir, o.job.name, step))
      .then(
        (file) => {
          if (file) o.onEvent({ type: 'resumeState', path: file, step });
        },
        (err: unknown) => o.logs.stderr.warn('engine.state_failed', `Could not set aside the optimizer state of step ${step}: ${(err as Error).message}`, { runId: o.job.runId }),
      );
  };

  const fromParser = (event: EngineEvent) => {
    switch (event.type) {
      case 'phase':
        phase = event.phase;
        o.onEvent(event);
        break;
      case 'progress':
        o.onEvent(event);
        // ai-toolkit writes optimizer.pt after the checkpoint file, in the same save.
        if (stateOf !== null && event.step > stateOf) setAsideState();
        break;
      case 'resumed':
        o.onEvent({ type: 'resumed', step: event.step, from: lastCheckpoint?.path ?? '' });
        break;
      case 'checkpoint': {
        savedWaiters.splice(0).forEach((resolve) => resolve());
        const { path: file, step } = event;
        if (step !== null && !event.final) stateOf = step;
        if (keepNext && step !== null && !event.final) {
          keepNext = false;
          keeping = keeping
            .then(() => keepCheckpoint(o.job.runDir, file))
            .then(
              (kept) => o.onEvent({ type: 'kept', path: kept, step }),
              (err: unknown) => o.logs.stderr.warn('engine.keep_failed', `Could not keep the checkpoint at step ${step}: ${(err as Error).message}`, { runId: o.job.runId }),
            );
        }
        break;
      }
      case 'error':
        errorMessage = event.message;
        break;
      case 'oom_skip':
        o.onEvent({ type: 'notice', kind: 'oom_skip', message: 'The GPU ran out of memory on one step; the engine skipped that batch' });
        break;
      case 'warning':
        o.onEvent({ type: 'notice', kind: 'warning', message: event.message });
        break;
      case 'pruned':
        o.onEvent({ type: 'pruned', path: event.path });
        break;
      case 'stopped':
        break;
    }
  };
  const parser = new ConsoleParser(o.job.name, fromParser, (stream, record) => {
    lastOutputAt = Date.now();
    o.logs[stream].info(`engine.${stream}`, record, { runId: o.job.runId, stream });
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => parser.stdout(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => parser.stderr(chunk));

  const scan = async () => {
    for (const checkpoint of await listCheckpoints(root, o.job.name)) {
      const key = `${checkpoint.path}:${checkpoint.step}`;
      if (seenCheckpoints.has(key)) continue;
      seenCheckpoints.add(key);
      lastCheckpoint = checkpoint;
      o.onEvent({ type: 'checkpoint', path: checkpoint.path, step: checkpoint.step, final: checkpoint.final });
    }
    for (const sample of await listSamples(root)) {
      if (seenSamples.has(sample.path)) continue;
      seenSamples.add(sample.path);
      o.onEvent({ type: 'sample', path: sample.path, step: sample.step, promptIndex: sample.promptIndex, prompt: promptText(o.job, sample.promptIndex) });
    }
  };

  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setInterval(() => {
    void scan().catch(() => undefined);
    if (!silent && Date.now() - lastOutputAt > o.silenceMs) {
      silent = true;
      o.logs.stderr.warn('engine.silent', `No output for ${Math.round(o.silenceMs / 1000)} s: stopping the trainer`, { runId: o.job.runId });
      killGroup();
    }
  }, WATCH_EVERY_MS);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const done: Promise<TrainingOutcome> = exited.then(async ({ code, signal }) => {
    clearInterval(timer);
    parser.end();
    await scan().catch(() => undefined);
    // The last save before the engine ended by itself (a Stop saves, then stops): its state is as complete as the
    // engine left it (a state it cannot load, the engine's resume says so and starts afresh).
    if (signal === null) setAsideState();
    await keeping;
    const checkpoints = await listCheckpoints(root, o.job.name);
    const final = checkpoints.find((c) => c.final);
    const last = checkpoints.at(-1) ?? null;
    o.logs.stdout.info('engine.exit', `Trainer exited (${signal ?? `code ${code}`})`, { runId: o.job.runId, code, signal });
    if (code === 0 && !stopRequested && final) return { kind: 'completed', finalCheckpoint: final.path, step: final.step };
    const failure = classifyFailure({
      exitCode: code,
      signal,
      errorMessage: errorMessage ?? (code === 0 ? 'it exited without writing the final LoRA file' : undefined),
      stdoutTail: parser.stdoutTail.get(),
      stderrTail: parser.stderrTail.get(),
      stopRequested,
      silent,
    });
    if (failure.code === 'stopped') return { kind: 'stopped', lastCheckpoint: last?.path ?? null, step: last?.step ?? null };
    return { kind: 'failed', failure, lastCheckpoint: last?.path ?? null };
  });

  return {
    done,
    async saveNow() {
      keepNext = true;
      await o.jobDb.set('save_now');
    },
    async stop({ saveFirst, graceMs }) {
      if (stopRequested) return;
      stopRequested = true;
      let running = true;
      void exited.then(() => (running = false));
      if (saveFirst && (phase === 'training' || phase === 'sampling' || phase === 'saving')) {
        const saved = new Promise<void>((resolve) => savedWaiters.push(resolve));
        keepNext = true;
        await o.jobDb.set('save_now').catch(() => undefined);
        await Promise.race([saved, exited, new Promise((r) => setTimeout(r, SAVE_BEFORE_STOP_MS))]);
      }
      if (running) {
        await o.jobDb.set('stop').catch(() => undefined);
        child.kill('SIGINT');
      }
      const killer = setTimeout(killGroup, graceMs);
      await exited;
      clearTimeout(killer);
      // Data loader workers of a killed trainer may linger in the group.
      killGroup();
    },
  };
}
