import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainingRun } from '../../../lib/contracts/training';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { api, type BenchInstance } from '../lib/instance';
import { cameraJpegs } from '../lib/pictures';
import { cpuSecondsOf } from '../lib/proc';
import { openSse } from '../lib/sse';
import { round, sleep, summarize } from '../lib/stats';
import type { BenchContext, SectionResult } from '../lib/types';
import { createCharacter, uploadPhotos } from '../lib/upload';

const FINAL = new Set(['completed', 'failed', 'stopped']);
const SIMULATOR = path.join(PROJECT_ROOT, 'plugins', 'training', 'ai-toolkit', 'simulator');

interface Seen {
  arrivedAt: number;
  step: number;
  phase: string;
  status: string;
}

/** The engine's console records, as the GPU worker logged them (one JSON line each, with its timestamp). */
function engineRecords(instance: BenchInstance, runId: string): Array<{ at: number; stream: 'stdout' | 'stderr'; text: string }> {
  const out: Array<{ at: number; stream: 'stdout' | 'stderr'; text: string }> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    for (const line of instance.logLines('worker', path.join('subprocess', `${runId}.${stream}`))) {
      if (line.event === `engine.${stream}`) out.push({ at: Date.parse(line.timestamp), stream, text: line.message });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Replaces every `training_folder` in an ai-toolkit job config. */
function redirect(config: unknown, folder: string): unknown {
  if (Array.isArray(config)) return config.map((c) => redirect(c, folder));
  if (config && typeof config === 'object') {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, k === 'training_folder' ? folder : redirect(v, folder)]));
  }
  return config;
}

/**
 * The anchor of the start-up overhead: the same engine with the same config, started directly (`python3 run.py`),
 * to its first console line.
 */
async function bareEngineStart(instance: BenchInstance, runId: string): Promise<number | null> {
  const starts = path.join(instance.dataDir, 'training', runId, 'starts');
  const configName = existsSync(starts) ? readdirSync(starts).find((f) => /^[0-9a-f]{8}\.json$/.test(f)) : undefined;
  if (!configName) return null;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-bench-engine-'));
  try {
    const config = redirect(JSON.parse(readFileSync(path.join(starts, configName), 'utf8')), scratch);
    const file = path.join(scratch, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const started = performance.now();
    const child = spawn('python3', ['run.py', file], { cwd: SIMULATOR, env: instance.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = await new Promise<number | null>((resolve) => {
      const first = () => resolve(performance.now() - started);
      child.stdout.once('data', first);
      child.stderr.once('data', first);
      child.once('exit', () => resolve(null));
      setTimeout(() => resolve(null), 30_000);
    });
    child.kill('SIGKILL');
    return ms;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A tqdm record of the main bar: `name:  12%|...| 120/1000 [00:12<...]`. */
function barStep(text: string, total: number): number | undefined {
  if (text.startsWith('Generating Images')) return undefined;
  const m = /\|\s*(\d+)\/(\d+)\s*\[/.exec(text);
  return m && Number(m[2]) === total ? Number(m[1]) : undefined;
}

/**
 * 2. Training: Start → engine running; progress latency (a step the engine printed → an SSE client of
 * /api/trainings/:id/events sees it); platform CPU time per 1,000 steps (control plane + GPU worker, minus their
 * idle baseline).
 */
export async function trainingSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  const instance = await ctx.instance();
  const base = instance.url;
  const pids = instance.pids();
  const platform = [pids.controlPlane, pids.gpuWorker];

  const character = await createCharacter(base, 'Bench Trainee');
  await uploadPhotos(base, character.id, await cameraJpegs(10, 0.8, 1, 500), { keepAnyway: true });

  ctx.say(`  idle CPU baseline of the control plane and GPU worker (${o.idleSeconds} s) ...`);
  await sleep(2_000);
  const idleStart = cpuSecondsOf(platform);
  const idleT = performance.now();
  await sleep(o.idleSeconds * 1000);
  const idleRate = (cpuSecondsOf(platform) - idleStart) / ((performance.now() - idleT) / 1000);

  ctx.say(`  a ${o.trainingSteps}-step training run at ${o.trainStepMs} ms a step ...`);
  const seen: Seen[] = [];
  const sent = Date.now();
  const run = await api<TrainingRun>(base, 'POST', `/api/characters/${character.id}/trainings`, {
    preset: 'quick',
    advanced: { steps: o.trainingSteps },
    confirmFewPhotos: true,
  });
  const cpuAtStart = cpuSecondsOf(platform);
  let cpuAtEnd = cpuAtStart;
  let endedAt = 0;
  const final = await new Promise<TrainingRun>((resolve, reject) => {
    const limit = 120_000 + o.trainingSteps * o.trainStepMs * 3;
    const timer = setTimeout(() => reject(new Error(`The training did not finish in ${Math.round(limit / 1000)} s`)), limit);
    const stream = openSse(`${base}/api/trainings/${run.id}/events`, (event) => {
      const r = JSON.parse(event.data) as TrainingRun;
      seen.push({ arrivedAt: event.arrivedAt, step: r.step, phase: r.phase, status: r.status });
      if (FINAL.has(r.status)) {
        cpuAtEnd = cpuSecondsOf(platform);
        endedAt = event.arrivedAt;
        clearTimeout(timer);
        stream.close();
        resolve(r);
      }
    });
    stream.opened.catch(reject);
  });
  if (final.status !== 'completed') throw new Error(`The training ended ${final.status}: ${final.error?.message}`);

  // Start-up: POST → the engine's first console line (and → the phase leaving waiting_for_gpu, as the UI sees it).
  const records = engineRecords(instance, run.id);
  const firstLine = records[0]?.at;
  const leftWaiting = seen.find((s) => !['queued', 'preparing', 'waiting_for_gpu'].includes(s.phase))?.arrivedAt;
  const bareStart = await bareEngineStart(instance, run.id);

  // Progress latency: each step record the engine printed → the first SSE event showing that step (or a later one).
  const latencies: number[] = [];
  for (const record of records) {
    if (record.stream !== 'stderr') continue;
    const step = barStep(record.text, o.trainingSteps);
    if (step === undefined || step === 0) continue;
    const shown = seen.find((s) => s.step >= step && s.arrivedAt >= record.at - 5);
    if (shown) latencies.push(shown.arrivedAt - record.at);
  }
  const latency = summarize(latencies);

  // CPU: from the Start to the run's end, minus the idle rate over the same time; per 1,000 steps.
  const seconds = (endedAt - sent) / 1000;
  const cpu = cpuAtEnd - cpuAtStart;
  const cpuPer1000 = ((cpu - idleRate * seconds) / o.trainingSteps) * 1000;
  const startupMs = firstLine !== undefined ? firstLine - sent : null;
  return {
    rows: [
      {
        section: 'training',
        figure: 'Start → engine running (first console line)',
        value: startupMs === null ? null : round(startupMs),
        unit: 'ms',
        anchor: { label: 'python3 run.py alone', value: bareStart === null ? null : round(bareStart) },
        note: leftWaiting !== undefined ? `the UI saw the phase leave waiting_for_gpu after ${Math.round(leftWaiting - sent)} ms` : undefined,
      },
      {
        section: 'training',
        figure: 'progress latency p50 (engine prints a step → SSE)',
        value: round(latency.p50),
        unit: 'ms',
      },
      {
        section: 'training',
        figure: 'progress latency p95',
        value: round(latency.p95),
        unit: 'ms',
        target: { op: '<=', value: 1000 },
        note: `${latency.n} step records over ${o.trainingSteps} steps at ${o.trainStepMs} ms a step; max ${round(latency.max)} ms`,
      },
      {
        section: 'training',
        figure: 'platform CPU per 1,000 steps (control plane + GPU worker − idle)',
        value: round(cpuPer1000, 2),
        unit: 'CPU-s',
        anchor: { label: 'their idle CPU over the run', value: round(idleRate * seconds * (1000 / o.trainingSteps), 2) },
        note: `${round(cpu, 2)} CPU-s over ${round(seconds)} s; idle baseline ${round(idleRate * 100, 2)}% of a core`,
      },
    ],
    details: {
      runId: run.id,
      steps: o.trainingSteps,
      stepMs: o.trainStepMs,
      startupMs,
      uiSawEngineMs: leftWaiting !== undefined ? leftWaiting - sent : null,
      bareEngineStartMs: bareStart,
      progressLatencyMs: latency,
      sseEvents: seen.length,
      cpuSeconds: cpu,
      runSeconds: seconds,
      idleCpuRate: idleRate,
      cpuSecondsPer1000Steps: cpuPer1000,
      latencySamples: latencies,
    },
  };
}
