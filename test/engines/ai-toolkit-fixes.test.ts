import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfig } from '../../lib/config';
import { healthSchema, type Health } from '../../lib/contracts/health';
import { engineJobName, PRESETS, type TrainingSettings } from '../../lib/contracts/training';
import { createAiToolkitEngine } from '../../plugins/training/ai-toolkit/engine';
import type { TrainingEngineEvent, TrainingJob } from '../../plugins/training/interface';
import { request } from '../helpers/http';
import { eventually, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';
import { activityStarts } from '../helpers/activity-starts';
import { captionedDataset, engineRecords, runPyPid, runToEnd, startOnce, type AdapterStart } from './helpers/ai-toolkit-adapter';
import { deviceEnv, ENGINE_DEVICE, placeTinyFlux, preparedEngines, startRealTrainingStack } from './helpers/engines';

/**
 * Issue 22's ai-toolkit fixes, shown on the real run.py at its pin (CPU, tiny random-weight FLUX.1):
 * - the adapter driven directly, one run over three starts (a kill -9 of run.py at step 7, the resume, a start
 *   after the end), with everything the fixes touch in that one run: prompt text with `${…}` and tags, the low-VRAM
 *   profile, prodigy, a `.env` above the engine, samples across a resume;
 * - the product's path (API, workflow, GPU worker) for the GPU check without ALLOW_CPU_ENGINES, the prodigy rule,
 *   and a kill -9 of run.py failing the training as out of RAM without a retry.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'aitk-fixes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const samplesOf = (start: AdapterStart) =>
  start.events.flatMap((e: TrainingEngineEvent) => (e.type === 'sample' ? [`${e.step}:${e.promptIndex}:${e.prompt}`] : [])).sort();

describe('the ai-toolkit adapter on the real run.py, one run over three starts', () => {
  const trigger = 'ada_x1';
  // One prompt: each one is a 768 px image per sample step, seconds each on the CPU.
  const prompt = '${HF_TOKEN} [trigger] costs ${PRICE} [name]';
  const asUsed = '${HF_TOKEN} ada_x1 costs ${PRICE} ada_x1';
  // A variable run.py reads right after its load_dotenv(): a bad SEED makes it print "Invalid SEED value: …".
  const DOTENV_SAYS = 'Invalid SEED value: bad';

  let job: TrainingJob;
  let saveDir: string;
  let killedAt: number | undefined;
  let first: AdapterStart;
  let second: AdapterStart;
  let third: AdapterStart;
  let control: { code: number | null; output: string };
  let recordsAfterSecond: string[];

  beforeAll(async () => {
    const engines = preparedEngines();
    // A copy of the checkout under a folder with a .env: run.py's load_dotenv() looks in its folder and every one
    // above it. (A copy, so that no other test's engine sees this .env.)
    const home = path.join(scratch, 'engine-home');
    const checkout = path.join(home, 'ai-toolkit');
    cpSync(engines.aitoolkit.path, checkout, { recursive: true, filter: (src) => !src.includes(`${path.sep}__pycache__`) });
    writeFileSync(path.join(home, '.env'), 'SEED=bad\n');

    const dataDir = path.join(scratch, 'data');
    const config = loadConfig({
      ISENGARD_MODE: 'fast-test',
      DATA_DIR: dataDir,
      AITOOLKIT_PATH: checkout,
      AITOOLKIT_PYTHON: engines.aitoolkit.python,
      // In the worker's environment; PRICE is not.
      HF_TOKEN: 'hf_fake',
      ENGINE_SILENCE_SECONDS: '300',
    });
    expect(config.aitoolkit.simulated).toBe(false);
    delete process.env.PRICE;
    placeTinyFlux(config.storage.baseModels);
    const engine = createAiToolkitEngine(config);

    const runId = randomUUID();
    const settings: TrainingSettings = {
      ...PRESETS.quick.settings,
      steps: 8,
      saveEvery: 4,
      sampleEvery: 3,
      rank: 4,
      // The low-VRAM profile drops 1024; its samples are no larger than the largest resolution left.
      resolutions: [512, 768, 1024],
      optimizer: 'prodigy',
      quantize: false,
      samplePrompts: [prompt],
    };
    job = {
      runId,
      name: engineJobName(runId),
      settings,
      triggerWord: trigger,
      datasetPath: await captionedDataset(path.join(scratch, 'dataset'), 2, 768, 1024),
      runDir: path.join(config.storage.training, runId),
      vramProfile: 'low',
      correlationId: undefined,
    };
    saveDir = path.join(job.runDir, job.name);
    const logDir = path.join(scratch, 'logs');

    // The control: plain `python run.py` (no arguments) in the same copy does load that .env.
    const controlRun = runToEnd(engines.aitoolkit.python, ['run.py'], {
      cwd: checkout,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONUNBUFFERED: '1' },
    });

    // First start: kill -9 of run.py (the engine, not the worker) at step 7, after the checkpoint at 4 and the
    // samples at 0, 3 and 6.
    first = await startOnce(engine, job, logDir, 'start-1', (event) => {
      if (killedAt !== undefined || event.type !== 'progress' || event.step < 7) return;
      const pid = runPyPid(job.runDir);
      if (pid === undefined) return;
      killedAt = event.step;
      process.kill(pid, 'SIGKILL');
    });
    control = await controlRun;
    second = await startOnce(engine, job, logDir, 'start-2');
    recordsAfterSecond = engineRecords(job.runDir).map((r) => r.file);
    third = await startOnce(engine, job, logDir, 'start-3');
    // Two loads of the model and four rounds of samples: about 90 s on two idle cores, much more on busy ones.
  }, 600_000);

  it('a kill -9 of run.py is the machine running out of RAM: ram_oom, not retried', () => {
    expect(killedAt).toBe(7);
    expect(first.outcome).toMatchObject({ kind: 'failed', failure: { code: 'ram_oom', retryable: false } });
    if (first.outcome.kind !== 'failed') throw new Error('unreachable');
    expect(first.outcome.failure.message).toMatch(/^The machine ran out of memory \(RAM\)/);
    expect(first.outcome.lastCheckpoint).toMatch(/_000000004\.safetensors$/);
  });

  it('prompt text reaches the engine as written: ${…} untouched, tags filled in, no token anywhere', () => {
    const all = first.console + second.console;
    expect(all).not.toContain('Environment variable PRICE not set');
    expect(all).not.toContain('hf_fake');
    const saved = readFileSync(path.join(saveDir, 'config.yaml'), 'utf8');
    expect(saved).not.toContain('hf_fake');
    const process0 = (YAML.parse(saved) as { config: { process: Array<{ sample: { prompts: string[] } }> } }).config.process[0]!;
    expect(process0.sample.prompts).toEqual([asUsed]);
    // The sample records carry the same text.
    expect(samplesOf(first)).toEqual([0, 3, 6].map((step) => `${step}:0:${asUsed}`));
  });

  it('the low-VRAM profile trains at 512 and 768 and samples at 768 × 768', async () => {
    const saved = YAML.parse(readFileSync(path.join(saveDir, 'config.yaml'), 'utf8')) as {
      config: { process: Array<{ datasets: Array<{ resolution: number[] }>; sample: { width: number; height: number } }> };
    };
    const process0 = saved.config.process[0]!;
    expect(process0.datasets.map((d) => d.resolution)).toEqual([[512, 768]]);
    expect(process0.sample).toMatchObject({ width: 768, height: 768 });
    const sample = first.events.find((e) => e.type === 'sample');
    if (sample?.type !== 'sample') throw new Error('no sample');
    expect(await sharp(sample.path).metadata()).toMatchObject({ width: 768, height: 768 });
  });

  it('a .env above the engine does not reach it (plain python run.py reads it)', () => {
    expect(control.output).toContain(DOTENV_SAYS);
    expect(first.console).toContain('Running 1 job');
    expect(first.console + second.console).not.toContain(DOTENV_SAYS);
  });

  it('prodigy runs at lr 1.0, and the config says so', () => {
    // The config's 1.0 is JSON, where it reads as the integer 1: the engine prints "Using lr 1" (same rate).
    expect(first.console).toMatch(/"message":"Using lr 1(\.0)?"/);
    const saved = YAML.parse(readFileSync(path.join(saveDir, 'config.yaml'), 'utf8')) as { config: { process: Array<{ train: { lr: number; optimizer: string } }> } };
    expect(saved.config.process[0]!.train).toMatchObject({ optimizer: 'prodigy', lr: 1.0 });
  });

  it('the resume makes no sample twice and announces only new ones; a start after the end runs nothing', () => {
    expect(second.outcome).toMatchObject({ kind: 'completed', step: 8 });
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'resumed', step: 4 }));
    expect(second.console).toContain('Skipping first sample due to config setting');
    expect(samplesOf(second)).toEqual([`8:0:${asUsed}`]);
    const files = readdirSync(path.join(saveDir, 'samples')).filter((f) => f.endsWith('.jpg'));
    const stepsAndPrompts = files.map((f) => /__(\d{9})_(\d)\./.exec(f)!.slice(1).map(Number).join(':')).sort();
    expect(stepsAndPrompts).toEqual(['0:0', '3:0', '6:0', '8:0']);

    // The third start: the final LoRA is there, so no run.py is spawned and nothing is announced.
    expect(third.outcome).toEqual({ kind: 'completed', finalCheckpoint: path.join(saveDir, `${job.name}.safetensors`), step: 8 });
    expect(third.events).toEqual([]);
    expect(recordsAfterSecond).toHaveLength(2);
    expect(engineRecords(job.runDir).map((r) => r.file)).toEqual(recordsAfterSecond);
  });
});

// The GPU check of the engines' real Pythons: on this CPU-only box torch finds no GPU and jobs are refused; on a GPU
// machine (ISENGARD_ENGINE_TESTS_DEVICE=cuda) the same check must find it usable and describe it.
describe('through the API, without ALLOW_CPU_ENGINES, on the real engines’ Python', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const engines = preparedEngines();
    stack = await startRealTrainingStack();
    expect(stack.config.gpu.allowCpu).toBe(false);
    // ComfyUI's real Python for the GPU check, from a folder with no ComfyUI in it, so the worker starts none.
    const noComfyUi = path.join(scratch, 'no-comfyui');
    mkdirSync(noComfyUi, { recursive: true });
    await stack.startGpuWorker('gpu-cpu', { COMFYUI_PATH: noComfyUi, COMFYUI_PYTHON: engines.comfyui.python });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.runIf(ENGINE_DEVICE === 'cuda')("health reports both engines' GPU as usable, with its name, memory and versions", async () => {
    const health = await eventually(async () => {
      const { body } = await request<Health>(stack, '/api/health');
      const state = body.gpuWorkers[0]?.gpu?.state;
      return state === 'usable' || state === 'unusable' ? healthSchema.parse(body) : undefined;
    }, 120_000);
    const gpu = health.gpuWorkers[0]!.gpu!;
    expect(gpu.reason).toBeNull();
    expect(gpu.state).toBe('usable');
    expect(gpu.device).toMatch(/\S/);
    expect(gpu.totalMb).toBeGreaterThan(1000);
    for (const probe of gpu.probes) {
      expect([probe.engine, probe.state, probe.reason]).toEqual([probe.engine, 'usable', null]);
      expect(probe.torch).toMatch(/^\d+\.\d+/);
      expect(probe.cuda).toMatch(/^\d+\.\d+/);
      expect(probe.device).toBe(gpu.device);
    }
    expect(health.checks.gpu.ok).toBe(true);
  });

  it.skipIf(ENGINE_DEVICE === 'cuda')("health reports both engines' GPU as unusable, with torch's own reason", async () => {
    const health = await eventually(async () => {
      const { body } = await request<Health>(stack, '/api/health');
      return body.gpuWorkers[0]?.gpu?.state === 'unusable' ? healthSchema.parse(body) : undefined;
    }, 120_000);
    const gpu = health.gpuWorkers[0]!.gpu!;
    expect(gpu.cpuAllowed).toBe(false);
    expect(gpu.probes.map((p) => [p.engine, p.state])).toEqual([
      ['ai-toolkit', 'unusable'],
      ['comfyui', 'unusable'],
    ]);
    const torchSays = /Found no NVIDIA driver on your system|built without CUDA/;
    for (const probe of gpu.probes) expect(probe.reason).toMatch(torchSays);
    expect(health.status).toBe('degraded');
    expect(health.checks.gpu.message).toMatch(/^GPU worker gpu-cpu cannot use its GPU for ai-toolkit and ComfyUI: torch .*(Found no NVIDIA driver on your system|built without CUDA)/);
  });

  it.skipIf(ENGINE_DEVICE === 'cuda')('a training fails at once, gpu_unusable, not retried, and run.py is never started', async () => {
    const character = await characterWithPhotos(stack, 'Grace', 2);
    const run = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 100, quantize: false, optimizer: 'adamw' });
    const done = await waitForTraining(stack, run.id, finished, 120_000);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('gpu_unusable');
    expect(done.error?.message).toMatch(/^The GPU worker gpu-cpu cannot use its GPU for ai-toolkit: .*(Found no NVIDIA driver on your system|built without CUDA)/);
    expect(await activityStarts(stack, done.workflowId, 'runTraining')).toBe(1);
    expect(done.step).toBe(0);
    expect(engineRecords(path.join(stack.config.storage.training, run.id))).toEqual([]);
  });

  it('refuses a learning rate with prodigy (400)', async () => {
    const character = await characterWithPhotos(stack, 'Ada', 1);
    const res = await request<{ error: string }>(stack, `/api/characters/${character.id}/trainings`, {
      method: 'POST',
      body: { preset: 'quick', advanced: { optimizer: 'prodigy', learningRate: 1e-4 } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('Learning rate cannot be set with the prodigy optimizer');
  });
});

describe('through the API, a kill -9 of run.py mid-training', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startRealTrainingStack({ ...deviceEnv(), GPU_LOST_AFTER_SECONDS: '60', ENGINE_SILENCE_SECONDS: '300' });
    await stack.startGpuWorker('gpu-cpu', { COMFYUI_PATH: '', COMFYUI_PYTHON: '' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fails the training as out of RAM, not retried', async () => {
    const character = await characterWithPhotos(stack, 'Ada', 2);
    const run = await startTraining(stack, character.id, {
      steps: 100,
      rank: 4,
      resolutions: [512],
      saveEvery: 50,
      sampleEvery: 1000,
      samplePrompts: ['[trigger] portrait photo'],
      quantize: false,
      optimizer: 'adamw',
    });
    const runDir = path.join(stack.config.storage.training, run.id);
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 1 && runPyPid(runDir) !== undefined, 240_000, 'the first step');
    process.kill(runPyPid(runDir)!, 'SIGKILL');

    const done = await waitForTraining(stack, run.id, finished, 60_000);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('ram_oom');
    expect(done.error?.message).toMatch(/^The machine ran out of memory \(RAM\)/);
    expect(await activityStarts(stack, done.workflowId, 'runTraining')).toBe(1);
    expect(engineRecords(runDir)).toHaveLength(1);
  });
});
