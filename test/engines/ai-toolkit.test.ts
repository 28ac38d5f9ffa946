import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, TrainingRun } from '../../lib/contracts/training';
import type { Lora } from '../../lib/contracts/loras';
import { logFilePath } from '../../lib/logger/logger';
import { isProcessAlive } from '../../lib/process-alive';
import { request } from '../helpers/http';
import type { TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';
import { deviceEnv, safetensorsMetadata, safetensorsTensors, startRealTrainingStack } from './helpers/engines';

/**
 * The real ai-toolkit `run.py` at its pin, on the CPU, driven through the product's API, workflows and GPU worker
 * exactly as in production: the only difference is the base model, a tiny random-weight FLUX.1 in the folder where
 * the product keeps FLUX.1-dev. Sizes are the API's smallest (512 px, 100 steps): the engine's own minimums.
 */

/** Reads a server-sent event stream until `enough` says stop; returns the `training` events it saw. */
async function trainingEvents(url: string, enough: (run: TrainingRun) => boolean): Promise<TrainingRun[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const runs: TrainingRun[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (!lines.includes('event: training')) continue;
        const run = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice('data: '.length)) as TrainingRun;
        runs.push(run);
        if (enough(run)) return runs;
      }
    }
  } finally {
    controller.abort();
  }
  return runs;
}

/** What the engine printed for a run, all starts together (the adapter logs its console line by line). */
const engineConsole = (stack: TestStack, runId: string) => readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${runId}.stdout`), 'utf8');

// The real engine loads for tens of seconds on two cores and trains a few steps a second.
const LOADED = 240_000;

describe('ai-toolkit at its pin, for real, on the CPU', () => {
  let stack: TestStack;
  let worker: ChildProcess;
  // The product's settings, shrunk to the API's minimums; one sample prompt. Plain AdamW on unquantized weights: with
  // the presets' quantized model and 8-bit optimizer the tiny model trained at 5-7 s a step on two shared cores,
  // against about 12 steps a second without (both run on the CPU; specs/ai-toolkit.md §10).
  const tiny = {
    steps: 100,
    rank: 4,
    resolutions: [512],
    saveEvery: 50,
    sampleEvery: 50,
    samplePrompts: ['[trigger] portrait photo'],
    quantize: false,
    optimizer: 'adamw',
  };
  // The GPU worker's own process, so that it can be killed; without ComfyUI (the training does not need one).
  const spawnWorker = () => stack.spawnGpuWorker('gpu-cpu', { COMFYUI_PATH: '', COMFYUI_PYTHON: '' });

  beforeAll(async () => {
    stack = await startRealTrainingStack({
      ...deviceEnv(),
      // Two busy cores must not make a working GPU worker look lost.
      GPU_LOST_AFTER_SECONDS: '60',
      ENGINE_SILENCE_SECONDS: '300',
    });
    expect(stack.config.aitoolkit.simulated).toBe(false);
    worker = await spawnWorker();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('trains: progress over SSE, a sample, checkpoints, and the LoRA registered with its metadata', async () => {
    const character = await characterWithPhotos(stack, 'Ada', 2);
    const run = await startTraining(stack, character.id, tiny);
    const seen = await trainingEvents(`${stack.plane.url}/api/trainings/${run.id}/events`, finished);
    const phases = new Set(seen.map((r) => r.phase));
    expect([...phases]).toEqual(expect.arrayContaining(['loading', 'training']));
    expect(seen.some((r) => r.step > 0 && r.step < 100 && r.itPerSec !== null)).toBe(true);

    const done = await waitForTraining(stack, run.id, finished, LOADED);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', phase: 'done', step: 100, totalSteps: 100, gpuWorker: 'gpu-cpu' });
    expect(done.loss.length).toBeGreaterThan(0);
    expect(done.loss.every(([, loss]) => Number.isFinite(loss))).toBe(true);

    // Samples at the start, at step 50 and at the end, one per prompt, as JPEGs.
    expect(done.samples.map((s) => s.step)).toEqual(expect.arrayContaining([0, 50, 100]));
    const sample = await fetch(`${stack.plane.url}${done.samples.at(-1)!.url}`);
    expect(sample.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await sample.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const checkpoints = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    expect(checkpoints.map((c) => [c.step, c.final])).toEqual([
      [50, false],
      [100, true],
    ]);

    // One LoRA: the final file, its hash, and the engine's own metadata inside it.
    const loras = (await request<{ items: Lora[] }>(stack, `/api/characters/${character.id}/loras`)).body.items;
    expect(loras).toHaveLength(1);
    const lora = loras[0]!;
    expect(lora).toMatchObject({ id: done.loraId, steps: 100, rank: 4, baseModel: 'flux1-dev', trainingRunId: run.id, triggerWord: character.triggerWord });
    expect(lora.engineVersion).toMatch(/^ai-toolkit@.+\+27a03a9$/);
    const file = path.join(stack.config.storage.loras, lora.fileName);
    const bytes = readFileSync(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(lora.sha256);
    expect(bytes.length).toBe(lora.sizeBytes);
    const meta = safetensorsMetadata(file);
    expect(meta.ss_base_model_version).toBe('flux.1');
    expect(JSON.parse(meta.training_info!)).toMatchObject({ step: 100 });
    expect(JSON.parse(meta.software!)).toMatchObject({ name: 'ai-toolkit' });
    expect(meta.ss_tag_frequency).toContain(character.triggerWord);
    // PEFT keys of the transformer blocks: 1 double block (14 modules) + 1 single block (6), A and B each.
    const tensors = safetensorsTensors(file);
    expect(tensors).toHaveLength(40);
    expect(tensors.every((t) => /^transformer\.(single_)?transformer_blocks\.0\..+\.lora_[AB]\.weight$/.test(t))).toBe(true);

    expect(engineConsole(stack, run.id)).toContain('Running 1 job');
  });

  it('Save now, kill -9 of the GPU worker and resume from the checkpoint, then Stop with save', async () => {
    const character = await characterWithPhotos(stack, 'Grace', 2);
    const run = await startTraining(stack, character.id, { ...tiny, steps: 1000, sampleEvery: 1000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 1, LOADED, 'the first step');

    // Save now: a checkpoint off the schedule, kept (never pruned).
    expect((await request(stack, `/api/trainings/${run.id}/save-now`, { method: 'POST' })).status).toBe(202);
    const saved = await waitForTraining(stack, run.id, (r) => r.events.some((e) => e.kind === 'checkpoint_kept'), LOADED, 'the kept checkpoint');
    const keptStep = Number(/step (\d+)/.exec(saved.events.find((e) => e.kind === 'checkpoint_kept')!.message)![1]);
    expect(keptStep).toBeGreaterThan(0);

    // kill -9 of the GPU worker past the step-50 checkpoint; the restarted worker takes the run back and the engine
    // resumes from that checkpoint.
    await waitForTraining(stack, run.id, (r) => (r.lastCheckpointStep ?? 0) >= 50 && r.step >= 52, LOADED, 'the step-50 checkpoint');
    worker.kill('SIGKILL');
    worker = await spawnWorker();
    const resumed = await waitForTraining(
      stack,
      run.id,
      (r) => r.events.some((e) => e.kind === 'retry') && r.phase === 'training' && /Found step \d+ in metadata/.test(engineConsole(stack, run.id)),
      LOADED,
      'the training to resume on the restarted worker',
    );
    const from = [...engineConsole(stack, run.id).matchAll(/Found step (\d+) in metadata, starting from there/g)].map((m) => Number(m[1]));
    expect(from).toHaveLength(1);
    expect(from[0]).toBeGreaterThanOrEqual(50);
    expect(resumed.status).toBe('running');

    // Stop with save: the engine saves where it is, exits, and that checkpoint becomes the LoRA.
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step > from[0]!, LOADED, 'a step after the resume');
    const stop = await request<TrainingRun>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    const done = await waitForTraining(stack, run.id, finished, LOADED);
    expect(done.error).toBeNull();
    expect(done.status).toBe('stopped');
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora.steps).toBeGreaterThan(from[0]!);
    expect(done.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['checkpoint_kept', 'retry', 'lora', 'stopped']));
    expect(done.events.at(-1)!.message).toBe(`Stopped; the checkpoint at step ${lora.steps} was kept as a LoRA`);
    expect(JSON.parse(safetensorsMetadata(path.join(stack.config.storage.loras, lora.fileName)).training_info!)).toMatchObject({ step: lora.steps });

    const checkpoints = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    expect(checkpoints.find((c) => c.step === keptStep)).toMatchObject({ kept: true });

    // Neither engine process outlived its start: the killed worker's engine was stopped by its watchdog.
    const startsDir = path.join(stack.config.storage.training, run.id, 'starts');
    const engines = readdirSync(startsDir)
      .filter((f) => f.endsWith('.engine.json'))
      .map((f) => JSON.parse(readFileSync(path.join(startsDir, f), 'utf8')) as { pid: number });
    expect(engines).toHaveLength(2);
    for (const engine of engines) expect(isProcessAlive(engine.pid)).toBe(false);
  });
});
