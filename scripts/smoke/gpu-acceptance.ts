import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Generation } from '../../lib/contracts/generations';
import type { Lora } from '../../lib/contracts/loras';
import type { TrainingRun } from '../../lib/contracts/training';
import { PROJECT_ROOT } from '../../lib/project-root';
import { probeGpu } from '../../plugins/gpu-probe';
import { api, BenchInstance } from '../bench/lib/instance';
import { cameraJpegs } from '../bench/lib/pictures';
import { sleep } from '../bench/lib/stats';
import { createCharacter, uploadPhotos } from '../bench/lib/upload';
import { cacheRoot, ensureTestEnv } from '../engines/test-env.mjs';
import {
  acceptanceResult,
  Deadline,
  failed,
  formatNumber,
  info,
  measured,
  OUT_OF_TIME,
  peakOf,
  renderTable,
  rowsNotMeasured,
  secondsPerStep,
  skipped,
  withinBudget,
  type Row,
} from './gpu-acceptance-report';
import { hubCacheDir, locateFluxWeights } from './gpu-acceptance-weights';

/**
 * scripts/smoke/gpu-acceptance: the acceptance run for a GPU machine with no internet (README, Benchmarks). Checks
 * that each engine's Python sees a CUDA GPU, runs the real-engine tier on it, then, when FLUX.1-dev's weights are
 * here, starts the all-in-one in production mode against the real engines and measures through the API: training
 * s/step at 512 and 1024 px, 1024² generations at 20 and 28 steps, ComfyUI's cold start and model load, a LoRA
 * switch, VRAM peaks and the time to free ComfyUI's VRAM before a training. One deadline for everything; prints one
 * markdown table and writes it as JSON under bench-results/. With --cpu: the same mechanics on the CPU with the
 * tiny models of `npm run test:engines` (tiny sizes and steps), for testing this script without a GPU.
 */

const USAGE = `scripts/smoke/gpu-acceptance [--flux-dir DIR] [--minutes 10] [--skip-engine-tests] [--cpu] [--out bench-results]
  --flux-dir DIR        FLUX.1-dev's weights: a Hugging Face snapshot or the Models page's layout (default: the data
                        root's models/base, then the Hugging Face cache under HF_HOME)
  --minutes N           the whole run's limit (default 10)
  --skip-engine-tests   leave out the real-engine tier (npm run test:engines)
  --cpu                 a dry run on the CPU with the tiny models (no GPU needed; tiny sizes and steps)
  --out DIR             where the JSON goes (default bench-results)`;

const say = (line = '') => process.stdout.write(`${line}\n`);

interface Engines {
  aitoolkit: { path: string; python: string };
  comfyui: { path: string; python: string };
}

/** What differs between a GPU run and the CPU dry run. */
interface Plan {
  mode: 'gpu' | 'cpu-dry-run';
  /** Training resolutions, each trained 50 steps (the API's minimum run is 100 steps: stopped after its checkpoint at 50). */
  trainings: number[];
  trainingSettings: Record<string, unknown>;
  generation: { baseModel: 'flux1-dev' | 'sdxl'; size: number; steps: [number, number] };
  /** Engine environment for the all-in-one beyond the engines' paths. */
  env: Record<string, string>;
  /** Budgets (ms) each step asks for. */
  budgets: { engineTests: number; start: number; generation: number; training: number };
}

const GPU_PLAN: Omit<Plan, 'env'> = {
  mode: 'gpu',
  trainings: [512, 1024],
  trainingSettings: { steps: 100, saveEvery: 50, sampleEvery: 5000, samplePrompts: [] },
  generation: { baseModel: 'flux1-dev', size: 1024, steps: [20, 28] },
  budgets: { engineTests: 240_000, start: 90_000, generation: 120_000, training: 150_000 },
};

const CPU_PLAN: Omit<Plan, 'env'> = {
  mode: 'cpu-dry-run',
  trainings: [512],
  // As the real-engine tests train the tiny model on the CPU: unquantized, plain AdamW, rank 4.
  trainingSettings: { steps: 100, saveEvery: 50, sampleEvery: 5000, samplePrompts: [], rank: 4, quantize: false, optimizer: 'adamw' },
  generation: { baseModel: 'sdxl', size: 256, steps: [2, 3] },
  budgets: { engineTests: 300_000, start: 120_000, generation: 120_000, training: 240_000 },
};

/** The engines' checkouts, as scripts/vendor/sync places them (ISENGARD_VENDOR_DIR overrides the folder). */
const vendorDir = () => path.resolve(PROJECT_ROOT, process.env.ISENGARD_VENDOR_DIR?.trim() || 'vendor');

function pinnedCommit(engine: string): string {
  const pins = JSON.parse(readFileSync(path.join(vendorDir(), 'VENDOR_PINS.json'), 'utf8')) as Record<string, { commit: string }>;
  const commit = pins[engine]?.commit;
  if (!commit) throw new Error(`${engine} has no pin in ${path.join(vendorDir(), 'VENDOR_PINS.json')}`);
  return commit;
}

/** The engines the run uses: production's CUDA environments (vendor/<engine>/venv), or the CPU test environments. */
function resolveEngines(cpu: boolean): Engines {
  const checkout = (name: string, variable: string) => process.env[variable]?.trim() || path.join(vendorDir(), name);
  const aitoolkitPath = checkout('ai-toolkit', 'AITOOLKIT_PATH');
  const comfyuiPath = checkout('comfyui', 'COMFYUI_PATH');
  if (!cpu) {
    return {
      aitoolkit: { path: aitoolkitPath, python: process.env.AITOOLKIT_PYTHON?.trim() || path.join(aitoolkitPath, 'venv', 'bin', 'python') },
      comfyui: { path: comfyuiPath, python: process.env.COMFYUI_PYTHON?.trim() || path.join(comfyuiPath, 'venv', 'bin', 'python') },
    };
  }
  const aitoolkit = ensureTestEnv('ai-toolkit', aitoolkitPath, { commit: pinnedCommit('ai-toolkit'), say });
  const comfyui = ensureTestEnv('comfyui', comfyuiPath, { commit: pinnedCommit('comfyui'), torchFrom: aitoolkitPath, say });
  return { aitoolkit: { path: aitoolkitPath, python: aitoolkit.python }, comfyui: { path: comfyuiPath, python: comfyui.python } };
}

/** Step 1: each engine's Python and the GPU it sees (plugins/gpu_probe.py). */
async function checkMachine(engines: Engines, rows: Row[]): Promise<{ usable: boolean; totalMb: number | null; usedMb: number | null }> {
  let usable = true;
  let totalMb: number | null = null;
  let usedMb: number | null = null;
  for (const [engine, label, kind, python] of [
    ['ai-toolkit', 'ai-toolkit', 'training', engines.aitoolkit.python],
    ['comfyui', 'ComfyUI', 'image', engines.comfyui.python],
  ] as const) {
    const probe = await probeGpu({ engine, label, kind, python, fixEnvironment: `Rebuild it: scripts/engines/create-env ${engine}.` });
    if (probe.state === 'usable') {
      totalMb ??= probe.totalMb;
      if (probe.totalMb !== null && probe.freeMb !== null) usedMb = probe.totalMb - probe.freeMb;
      rows.push(info(`GPU seen by ${label}'s Python`, `${probe.device}, ${probe.totalMb} MiB (${probe.freeMb} MiB free)`, `torch ${probe.torch}, CUDA ${probe.cuda}`));
    } else {
      usable = false;
      rows.push(info(`GPU seen by ${label}'s Python`, 'none', firstSentences(probe.reason ?? probe.state)));
    }
  }
  return { usable, totalMb, usedMb };
}

/** A probe's reason without its advice: the first two sentences. */
const firstSentences = (text: string) => text.split('. ').slice(0, 2).join('. ').slice(0, 300);

/** Marks every process the real-engine tier starts (in its environment), so that none outlives a stop. */
const RUN_MARK = `ISENGARD_ACCEPTANCE_RUN=${process.pid}-${Date.now()}`;

/**
 * Stops the real-engine tier past its budget: its process group, then whatever it started in groups of their own
 * (the Temporal dev server of vitest's global setup, an engine) that carries this run's mark in its environment.
 */
function killTier(child: ChildProcess): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  };
  if (child.pid !== undefined && child.exitCode === null) kill(-child.pid);
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let environ = '';
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (Number(name) !== process.pid && environ.split('\0').includes(RUN_MARK)) kill(Number(name));
  }
}

/** Step 2: `npm run test:engines` with the CUDA environments (neither --cpu nor ALLOW_CPU_ENGINES), timed. */
async function engineTier(engines: Engines, plan: Plan, deadline: Deadline, rows: Row[]): Promise<void> {
  const measure = 'real-engine tier (npm run test:engines)';
  let output = '';
  const outcome = await withinBudget(deadline, plan.budgets.engineTests, 30_000, (signal) => {
    const [markName, markValue] = RUN_MARK.split('=') as [string, string];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [markName]: markValue,
      AITOOLKIT_PATH: engines.aitoolkit.path,
      AITOOLKIT_PYTHON: engines.aitoolkit.python,
      COMFYUI_PATH: engines.comfyui.path,
      COMFYUI_PYTHON: engines.comfyui.python,
    };
    if (plan.mode === 'gpu') {
      delete env.ALLOW_CPU_ENGINES;
      delete env.COMFYUI_EXTRA_ARGS;
      // Asks the tier for the CUDA environments given above instead of its cached CPU ones.
      env.ISENGARD_ENGINE_TESTS_DEVICE = 'cuda';
    }
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts/engines/test-engines.mjs')], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      output = (output + String(d)).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    signal.addEventListener('abort', () => killTier(child));
    return new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  });
  // eslint-disable-next-line no-control-regex -- vitest colours its summary
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const tests = /Tests\s+(.+?)\s*\(\d+\)/.exec(plain)?.[1] ?? /Tests\s+([^\n]+)/.exec(plain)?.[1]?.trim();
  const ranWith = /AITOOLKIT_PYTHON=(\S+)/.exec(plain)?.[1];
  const cpuEnvs = plan.mode === 'gpu' && ranWith !== undefined && ranWith !== engines.aitoolkit.python ? `; ran with the CPU test environments (${ranWith}), not the CUDA ones` : '';
  if (outcome.kind === 'done') {
    const seconds = outcome.ms / 1000;
    const row = outcome.value === 0 ? { ...measured(measure, seconds, 's'), status: 'passed' as const } : failed(measure, `exit code ${outcome.value}`, `${formatNumber(seconds)} s`);
    rows.push({ ...row, value: `${outcome.value === 0 ? 'passed' : 'FAILED'} in ${formatNumber(seconds)} s`, note: `${tests ?? 'no vitest summary'}${cpuEnvs}${row.status === 'failed' ? `; ${row.note}` : ''}` });
    if (outcome.value !== 0) say(plain.split('\n').slice(-40).join('\n'));
  } else {
    rows.push(...rowsNotMeasured([measure], outcome));
  }
}

/** Samples `nvidia-smi` every 0.5 s (one process, its own loop); no samples where there is none. */
class VramSampler {
  readonly samples: Array<[number, number]> = [];
  private child: ChildProcess | undefined;
  readonly available: boolean;

  constructor(private readonly t0: number) {
    this.available = spawnSync('nvidia-smi', ['-L'], { stdio: 'ignore' }).status === 0;
  }

  start(): void {
    if (!this.available) return;
    this.child = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '500'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buffer = '';
    this.child.stdout!.on('data', (d) => {
      buffer += String(d);
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      // One line per GPU: the first is the one the engines use (CUDA_DEVICE_ORDER=PCI_BUS_ID).
      for (const line of lines) if (/^\d+/.test(line.trim())) this.samples.push([Date.now() - this.t0, Number(line.trim())]);
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

const FINAL_GENERATION = new Set(['completed', 'failed', 'cancelled']);
const FINAL_TRAINING = new Set(['completed', 'failed', 'stopped']);

async function generate(base: string, input: Record<string, unknown>, signal: AbortSignal): Promise<{ ms: number; generation: Generation }> {
  const sent = Date.now();
  let generation = await api<Generation>(base, 'POST', '/api/generations', input);
  while (!FINAL_GENERATION.has(generation.status)) {
    if (signal.aborted) {
      await api(base, 'POST', `/api/generations/${generation.id}/cancel`).catch(() => undefined);
      throw signal.reason as Error;
    }
    await sleep(250);
    generation = await api<Generation>(base, 'GET', `/api/generations/${generation.id}`);
  }
  if (generation.status !== 'completed') throw new Error(`generation ${generation.status}: ${generation.error?.message ?? 'no reason given'}`);
  return { ms: Date.now() - sent, generation };
}

/** Trains 50 steps at `resolution`: a 100-step run stopped once its checkpoint at step 50 is saved. */
async function train50(base: string, characterId: string, resolution: number, settings: Record<string, unknown>, signal: AbortSignal): Promise<{ run: TrainingRun; progress: Array<[number, number]> }> {
  const progress: Array<[number, number]> = [];
  const started = await api<TrainingRun>(base, 'POST', `/api/characters/${characterId}/trainings`, { preset: 'quick', advanced: { ...settings, resolutions: [resolution] }, confirmFewPhotos: true });
  let run = started;
  let stopAsked = false;
  const t0 = Date.now();
  while (!FINAL_TRAINING.has(run.status)) {
    if (signal.aborted && !stopAsked) {
      await api(base, 'POST', `/api/trainings/${run.id}/stop`).catch(() => undefined);
      throw signal.reason as Error;
    }
    await sleep(500);
    run = await api<TrainingRun>(base, 'GET', `/api/trainings/${run.id}`);
    if (run.phase === 'training' && progress.at(-1)?.[1] !== run.step) progress.push([Date.now() - t0, run.step]);
    if (!stopAsked && (run.lastCheckpointStep ?? 0) >= 50) {
      stopAsked = true;
      await api(base, 'POST', `/api/trainings/${run.id}/stop`);
    }
  }
  if ((run.lastCheckpointStep ?? 0) < 50) throw new Error(`training ${run.status} before its checkpoint at step 50: ${run.error?.message ?? 'no reason given'}`);
  // Only steps up to the checkpoint count: after it the run saves and stops.
  return { run, progress: progress.filter(([, step]) => step <= 50) };
}

/** The data root's models/base, the weights linked in where the product looks for them. */
function linkModels(baseModels: string, links: Array<{ target: string; file: string }>): void {
  for (const { target, file } of links) {
    const at = path.join(baseModels, target);
    mkdirSync(path.dirname(at), { recursive: true });
    symlinkSync(path.resolve(file), at);
  }
}

/**
 * Starts the all-in-one; a start whose health is not ok still counts (a fresh data root has no base model
 * provisioned through the Models page, say): the reasons become the row's note, and the measures show what works.
 */
async function startProduct(instance: BenchInstance, timeoutMs: number, signal: AbortSignal): Promise<{ ms: number; unhealthy: string[] }> {
  const since = Date.now();
  signal.addEventListener('abort', () => instance.kill());
  try {
    await instance.start(timeoutMs);
    return { ms: Date.now() - since, unhealthy: [] };
  } catch (err) {
    const running = /Isengard is running but not fully healthy/.test(instance.output) && instance.child?.exitCode === null;
    if (!running) throw err;
    instance.remember();
    const reasons = instance.output
      .split('\n')
      .filter((l) => /^\s+- /.test(l))
      .map((l) => l.trim().slice(2));
    return { ms: Date.now() - since, unhealthy: reasons };
  }
}

/** Step 3: the product in production mode against the real engines, measured through its API. */
async function measureProduct(engines: Engines, plan: Plan, deadline: Deadline, rows: Row[], links: Array<{ target: string; file: string }>, startVramMb: number | null): Promise<void> {
  const t0 = Date.now();
  const vram = new VramSampler(t0);
  const instance = new BenchInstance({
    ISENGARD_MODE: 'production',
    AITOOLKIT_PATH: engines.aitoolkit.path,
    AITOOLKIT_PYTHON: engines.aitoolkit.python,
    COMFYUI_PATH: engines.comfyui.path,
    COMFYUI_PYTHON: engines.comfyui.python,
    HF_HUB_OFFLINE: '1',
    ...plan.env,
  });
  const phases: Array<{ measure: string; from: number; to: number }> = [];
  const phase = async <T>(measure: string, fn: () => Promise<T>): Promise<T> => {
    const from = Date.now() - t0;
    try {
      return await fn();
    } finally {
      phases.push({ measure, from, to: Date.now() - t0 });
    }
  };
  try {
    await instance.prepare();
    linkModels(path.join(instance.dataDir, 'models', 'base'), links);
    vram.start();
    const started = await withinBudget(deadline, plan.budgets.start, 20_000, (signal) => startProduct(instance, plan.budgets.start, signal));
    if (started.kind !== 'done') {
      rows.push(...rowsNotMeasured(['all-in-one start (production mode)'], started), skipped('the FLUX.1-dev measures', 'the product did not start'));
      if (started.kind === 'failed') say(instance.output.split('\n').slice(-30).join('\n'));
      return;
    }
    const unhealthy = started.value.unhealthy.length ? `; health not ok: ${started.value.unhealthy.join('; ')}` : '';
    rows.push(measured('all-in-one start (production mode)', started.value.ms / 1000, 's', `until it answered ready${unhealthy}`));
    const base = instance.url;
    const { size, steps, baseModel } = plan.generation;
    const image = (n: number, extra: Record<string, unknown> = {}) => ({ prompt: 'a portrait photo of a lighthouse keeper, soft window light', baseModel, width: size, height: size, steps: n, seed: 1000 + n, ...extra });
    const [few, more] = steps;
    const sizeLabel = `${size}²`;

    // Generations: the first one loads the model (ComfyUI starts with the GPU worker); the same again, warm; then more steps.
    const coldPost = Date.now();
    const cold = await withinBudget(deadline, plan.budgets.generation * 2, 30_000, (signal) => phase('generation', () => generate(base, image(few), signal)));
    let warmFewMs: number | undefined;
    if (cold.kind === 'done') {
      const warm = await withinBudget(deadline, plan.budgets.generation, 10_000, (signal) => phase('generation', () => generate(base, image(few, { seed: 7 }), signal)));
      if (warm.kind === 'done') {
        warmFewMs = warm.value.ms;
        rows.push(measured(`generation ${sizeLabel}, ${few} steps`, warm.value.ms / 1000, 's/image', `warm; ${formatNumber(warm.value.ms / 1000 / few)} s/step end to end`));
      } else rows.push(...rowsNotMeasured([`generation ${sizeLabel}, ${few} steps`], warm));
      // The GPU worker starts ComfyUI just before it logs worker.ready; comfyui.ready says when it answers.
      const lines = instance.logLines('worker');
      const workerReady = lines.find((l) => l.event === 'worker.ready' && l.message.startsWith('GPU worker'));
      const comfyReady = lines.find((l) => l.event === 'comfyui.ready');
      const readyAt = comfyReady ? Date.parse(comfyReady.timestamp) : undefined;
      if (readyAt !== undefined && workerReady) {
        rows.push(measured('ComfyUI cold start', (readyAt - Date.parse(workerReady.timestamp)) / 1000, 's', 'started with the GPU worker → answers (worker.ready → comfyui.ready in the worker log)'));
      } else rows.push(info('ComfyUI cold start', 'not seen', 'no worker.ready and comfyui.ready lines in the worker log'));
      if (warmFewMs !== undefined) {
        const waitedMs = readyAt === undefined ? 0 : Math.max(0, readyAt - coldPost);
        const loadMs = cold.value.ms - warmFewMs - waitedMs;
        const waited = waitedMs > 0 ? `, less ${formatNumber(waitedMs / 1000)} s waiting for ComfyUI to answer` : '';
        rows.push(measured('ComfyUI model load', loadMs / 1000, 's', `first generation ${formatNumber(cold.value.ms / 1000)} s − the same warm${waited}`));
      }
      const longer = await withinBudget(deadline, plan.budgets.generation, 10_000, (signal) => phase('generation', () => generate(base, image(more, { seed: 8 }), signal)));
      if (longer.kind === 'done') rows.push(measured(`generation ${sizeLabel}, ${more} steps`, longer.value.ms / 1000, 's/image', `warm; ${formatNumber(longer.value.ms / 1000 / more)} s/step end to end`));
      else rows.push(...rowsNotMeasured([`generation ${sizeLabel}, ${more} steps`], longer));
    } else {
      rows.push(...rowsNotMeasured(['ComfyUI cold start and model load', `generation ${sizeLabel}, ${few} and ${more} steps`], cold));
    }

    // Trainings: 50 steps each; the first frees ComfyUI's memory (it holds the model from the generations).
    const loras: string[] = [];
    const character = await createCharacter(base, 'Acceptance');
    await uploadPhotos(base, character.id, await cameraJpegs(4, 1, 1));
    for (const resolution of plan.trainings) {
      const measure = `training ${resolution} px`;
      const since = Date.now();
      const outcome = await withinBudget(deadline, plan.budgets.training, 30_000, (signal) => phase(measure, () => train50(base, character.id, resolution, plan.trainingSettings, signal)));
      if (outcome.kind !== 'done') {
        rows.push(...rowsNotMeasured([measure], outcome));
        continue;
      }
      const perStep = secondsPerStep(outcome.value.progress);
      const engine = outcome.value.run.itPerSec ? `; the engine's last rate ${formatNumber(1 / outcome.value.run.itPerSec)} s/step` : '';
      if (perStep === undefined) rows.push(failed(measure, 'no training progress was seen'));
      else rows.push(measured(measure, perStep, 's/step', `50 steps, whole run ${formatNumber(outcome.ms / 1000)} s with loading and stop${engine}`));
      const freed = instance.logLines('worker').find((l) => l.event === 'gpu.vram_freed' && Date.parse(l.timestamp) >= since && l.context.runId === outcome.value.run.id);
      if (loras.length === 0) {
        const durationMs = freed?.context.durationMs;
        if (typeof durationMs === 'number') rows.push(measured('freeing ComfyUI’s VRAM before a training', durationMs / 1000, 's', 'gpu.vram_freed in the worker log'));
        else rows.push(info('freeing ComfyUI’s VRAM before a training', 'not logged', 'no gpu.vram_freed line for the run in the worker log'));
      }
      const lora = await api<Lora>(base, 'POST', `/api/trainings/${outcome.value.run.id}/checkpoints/50/lora`).catch((err: Error) => {
        rows.push(failed(`LoRA from the ${resolution} px checkpoint`, err.message));
        return undefined;
      });
      if (lora) loras.push(lora.id);
    }

    // LoRA switch: a generation with LoRA A, then with LoRA B; B's extra time over the warm generation without one.
    const switchMeasure = 'LoRA switch (generation with LoRA B after LoRA A)';
    if (plan.generation.baseModel !== 'flux1-dev') rows.push(skipped(switchMeasure, 'no FLUX generation model in --cpu', 'the tiny models have an SD1 checkpoint only; training makes FLUX LoRAs'));
    else if (loras.length < 2) rows.push(skipped(switchMeasure, 'needs two LoRAs', `${loras.length} made by the trainings`));
    else if (warmFewMs === undefined) rows.push(skipped(switchMeasure, 'no warm generation to compare with'));
    else {
      const withA = await withinBudget(deadline, plan.budgets.generation * 2, 10_000, (signal) => phase('generation', () => generate(base, image(few, { loraId: loras[0], seed: 9 }), signal)));
      const withB = withA.kind === 'done' ? await withinBudget(deadline, plan.budgets.generation, 10_000, (signal) => phase('generation', () => generate(base, image(few, { loraId: loras[1], seed: 10 }), signal))) : withA;
      if (withA.kind === 'done' && withB.kind === 'done') {
        rows.push(measured(switchMeasure, (withB.value.ms - warmFewMs) / 1000, 's extra', `B ${formatNumber(withB.value.ms / 1000)} s vs ${formatNumber(warmFewMs / 1000)} s without a LoRA; A (reloading the model after training) ${formatNumber(withA.value.ms / 1000)} s`));
      } else rows.push(...rowsNotMeasured([switchMeasure], withB));
    }
  } finally {
    vram.stop();
    await instance.stop(20_000).catch(() => instance.kill());
    if (process.env.KEEP_BENCH_DIRS === '1') say(`The instance's folders are kept: ${instance.root}`);
    instance.cleanup();
    vramRows(vram, phases, rows, startVramMb);
  }
}

function vramRows(vram: VramSampler, phases: Array<{ measure: string; from: number; to: number }>, rows: Row[], startVramMb: number | null): void {
  if (!vram.available) {
    const atStart = startVramMb === null ? 'unknown' : `${startVramMb} MiB in use before the run`;
    rows.push(info('VRAM peaks', 'no nvidia-smi', `torch's numbers from the probe only: ${atStart}`));
    return;
  }
  for (const name of [...new Set(phases.map((p) => p.measure))]) {
    const peaks = phases.filter((p) => p.measure === name).map((p) => peakOf(vram.samples, p.from, p.to)).filter((v): v is number => v !== undefined);
    if (peaks.length) rows.push(measured(`VRAM peak: ${name}`, Math.max(...peaks), 'MiB', 'nvidia-smi every 0.5 s'));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cpu: { type: 'boolean', default: false },
      'flux-dir': { type: 'string' },
      minutes: { type: 'string', default: '10' },
      'skip-engine-tests': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) {
    process.stderr.write(`--minutes must be a positive number (got ${values.minutes})\n${USAGE}\n`);
    return 64;
  }
  const startedAt = new Date();
  const limitMs = minutes * 60_000;
  // Kept back for stopping the product and printing the table.
  const deadline = new Deadline(limitMs, 30_000);
  const cpu = values.cpu;
  const rows: Row[] = [];

  say(`== GPU acceptance run${cpu ? ' (--cpu: a dry run of the mechanics on the CPU with the tiny models)' : ''}, limit ${minutes} min`);
  const engines = resolveEngines(cpu);
  const machine = await checkMachine(engines, rows);
  if (!machine.usable && !cpu) {
    say(renderTable(rows));
    process.stderr.write('\nNo usable CUDA GPU: this run measures a GPU machine. See the rows above for why each engine\'s Python cannot use one; run with --cpu for a dry run without a GPU.\n');
    return 2;
  }
  const plan: Plan = cpu
    ? { ...CPU_PLAN, env: { ALLOW_CPU_ENGINES: '1', COMFYUI_EXTRA_ARGS: '--cpu' } }
    : { ...GPU_PLAN, env: { ALLOW_CPU_ENGINES: '', COMFYUI_EXTRA_ARGS: '' } };

  say('== the real-engine tier');
  if (values['skip-engine-tests']) rows.push(skipped('real-engine tier (npm run test:engines)', '--skip-engine-tests'));
  else await engineTier(engines, plan, deadline, rows);

  say('== FLUX.1-dev measures');
  let links: Array<{ target: string; file: string }> | undefined;
  const dataDir = path.resolve(PROJECT_ROOT, process.env.DATA_DIR?.trim() || 'data');
  const weights = locateFluxWeights({ fluxDir: values['flux-dir'], baseModelsDir: path.join(dataDir, 'models', 'base'), hubCache: hubCacheDir() });
  const where = `looked in ${weights.searched.join(', ')} (give --flux-dir DIR)`;
  if (weights.training && weights.generation) {
    rows.push(info('FLUX.1-dev weights', 'present', `training: ${weights.training}${cpu ? '; not used in --cpu' : ''}`));
    if (!cpu) links = [{ target: 'FLUX.1-dev', file: weights.training }, ...weights.generation];
  } else if (cpu) {
    rows.push(info('FLUX.1-dev weights', 'absent', `missing ${weights.missing.join(', ')}; ${where}; --cpu measures with the tiny models`));
  } else {
    rows.push(skipped('the FLUX.1-dev measures', 'FLUX.1-dev weights absent', `missing ${weights.missing.join(', ')}; ${where}`));
  }
  if (cpu) {
    const tiny = path.join(cacheRoot(), 'tiny-models');
    const flux = path.join(tiny, 'flux');
    const sd1 = path.join(tiny, 'sd1', 'base', 'checkpoints', 'sd_xl_base_1.0.safetensors');
    if (existsSync(path.join(flux, 'model_index.json')) && existsSync(sd1)) {
      links = [
        { target: 'FLUX.1-dev', file: flux },
        { target: 'checkpoints/sd_xl_base_1.0.safetensors', file: sd1 },
      ];
      rows.push(info('weights', 'tiny models (--cpu)', `${tiny}: random-weight FLUX.1 for training, SD1.x as SDXL for generation`));
    } else rows.push(skipped('the tiny-model measures', 'tiny models absent', 'npm run test:engines -- --prepare-only builds them'));
  }
  if (links) {
    if (deadline.leftMs() < 60_000) rows.push(skipped('the FLUX.1-dev measures', OUT_OF_TIME));
    else await measureProduct(engines, plan, deadline, rows, links, machine.usedMb);
  }

  const result = acceptanceResult(rows, { mode: plan.mode, startedAt, durationMs: deadline.elapsedMs(), limitMs });
  rows.push(info('whole run', `${formatNumber(result.durationSeconds)} s`, `limit ${minutes} min`));
  result.table = renderTable(rows);
  const outDir = path.resolve(PROJECT_ROOT, values.out);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `gpu-acceptance-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  say();
  say(result.table);
  say(`\n${result.passed ? 'Passed' : 'FAILED'}; written to ${path.relative(PROJECT_ROOT, file)}`);
  return result.passed ? 0 : 1;
}

process.exitCode = await main();
