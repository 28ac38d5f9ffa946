import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, TrainingRun } from '../../lib/contracts/training';
import { engineJobName } from '../../lib/contracts/training';
import { logFilePath } from '../../lib/logger/logger';
import { request } from '../helpers/http';
import type { TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';
import { deviceEnv, safetensorsMetadata, startRealTrainingStack } from './helpers/engines';

/**
 * Continue training (issue 24) with the real ai-toolkit at its pin, on the CPU: the continuation's first engine start
 * resumes the source run's last checkpoint as its own (the step from its metadata, the optimizer state beside it),
 * exactly as the engine resumes a run of its own (spec §5).
 */

const engineConsole = (stack: TestStack, runId: string) => readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${runId}.stdout`), 'utf8');

// The real engine loads for tens of seconds on two cores and trains a few steps a second; a machine busy with other
// work has been seen to take 10 s a step.
const LOADED = 900_000;

describe('ai-toolkit at its pin continues another run from its checkpoint', () => {
  let stack: TestStack;
  // As in ai-toolkit.test.ts: the API's minimums, plain AdamW on unquantized weights, one sample prompt.
  const tiny = { steps: 100, rank: 4, resolutions: [512], saveEvery: 50, sampleEvery: 50, samplePrompts: ['[trigger] portrait photo'], quantize: false, optimizer: 'adamw' };

  beforeAll(async () => {
    stack = await startRealTrainingStack({ ...deviceEnv(), GPU_LOST_AFTER_SECONDS: '60', ENGINE_SILENCE_SECONDS: '300' });
    expect(stack.config.aitoolkit.simulated).toBe(false);
    await stack.spawnGpuWorker('gpu-cpu', { COMFYUI_PATH: '', COMFYUI_PYTHON: '' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a stopped run continued: resumed at its kept step with the optimizer state, saves and samples from there', async () => {
    const character = await characterWithPhotos(stack, 'Lovelace', 2);
    // Stopped a few steps in (the engine saves at the stop): the shortest source the API allows.
    const first = await startTraining(stack, character.id, { ...tiny, sampleEvery: 1000 });
    await waitForTraining(stack, first.id, (r) => r.phase === 'training' && r.step >= 3, LOADED, 'the third step');
    expect((await request(stack, `/api/trainings/${first.id}/stop`, { method: 'POST' })).status).toBe(202);
    expect(await waitForTraining(stack, first.id, finished, LOADED)).toMatchObject({ status: 'stopped' });
    const from = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${first.id}/checkpoints`)).body.items.at(-1)!.step;
    // As few as a run may have in all (100 steps).
    const to = Math.max(from + 50, 100);

    const started = await request<TrainingRun>(stack, `/api/trainings/${first.id}/continue`, {
      method: 'POST',
      body: { additionalSteps: to - from, settings: { learningRate: 0.0002, sampleEvery: 1000 } },
    });
    expect(started.status).toBe(202);
    const done = await waitForTraining(stack, started.body.id, finished, LOADED);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', step: to, totalSteps: to, continuedFrom: { runId: first.id, step: from } });

    const name = engineJobName(done.id);
    const printed = engineConsole(stack, done.id);
    const seeded = path.join(stack.config.storage.root, 'training', done.id, name, `${name}_${String(from).padStart(9, '0')}.safetensors`);
    expect(printed).toContain(`#### IMPORTANT RESUMING FROM ${seeded} ####`);
    expect(printed).toContain(`Found step ${from} in metadata, starting from there`);
    expect(printed).toContain('Loading optimizer state from');
    expect(printed).not.toContain('Failed to load optimizer state');
    expect(printed).not.toContain('Generating baseline samples');

    // Only the final samples (sampling every 1000), and no loss before the starting step.
    expect(new Set(done.samples.map((s) => s.step))).toEqual(new Set([to]));
    expect(done.loss.every(([step]) => step >= from)).toBe(true);
    const checkpoints = (await request<{ items: Checkpoint[] }>(stack, `/api/trainings/${done.id}/checkpoints`)).body.items;
    expect(checkpoints[0]).toMatchObject({ step: from, final: false });
    expect(checkpoints.at(-1)).toMatchObject({ step: to, final: true });
    const final = path.join(stack.config.storage.root, 'training', done.id, name, `${name}.safetensors`);
    expect(JSON.parse(safetensorsMetadata(final).training_info!)).toMatchObject({ step: to });
  }, 2_400_000);
});
