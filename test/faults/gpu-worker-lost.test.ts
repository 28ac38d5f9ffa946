import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health } from '../../lib/contracts/health';
import type { Lora } from '../../lib/contracts/loras';
import { logFilePath } from '../../lib/logger/logger';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';
import { isProcessAlive } from '../../lib/process-alive';


describe('a training survives the loss of its GPU worker', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('kill -9 of the pinned GPU worker: another worker resumes from the last checkpoint and the run completes', async () => {
    const workers = {
      'gpu-one': await stack.spawnGpuWorker('gpu-one', { ISENGARD_SIM_STEP_MS: '30' }),
      'gpu-two': await stack.spawnGpuWorker('gpu-two', { ISENGARD_SIM_STEP_MS: '30' }),
    };
    const character = await characterWithPhotos(stack, 'Survivor', 3);
    const run = await startTraining(stack, character.id, { steps: 300, saveEvery: 50, sampleEvery: 1000 });
    const running = await waitForTraining(stack, run.id, (r) => (r.lastCheckpointStep ?? 0) >= 50 && r.step >= 70, 60_000, 'a checkpoint');
    const pinned = running.gpuWorker as keyof typeof workers;

    // The worker is found the way an operator would: by its identity in /api/health.
    const health = (await request<Health>(stack, '/api/health')).body;
    const identity = health.workers.find((w) => w.queue === 'isengard-gpu' && w.identity.startsWith(`${workers[pinned].pid}@`));
    expect(identity).toBeDefined();
    workers[pinned].kill('SIGKILL');

    const done = await waitForTraining(stack, run.id, finished, 90_000);
    const other = pinned === 'gpu-one' ? 'gpu-two' : 'gpu-one';
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.gpuWorker).toBe(other);
    expect(done.events.filter((e) => e.kind === 'gpu').map((e) => e.message)).toEqual([
      `Running on GPU worker ${pinned}`,
      `Running on GPU worker ${other}`,
    ]);

    // Resumed from a checkpoint (the engine's own resume line, step > 0), not from step 0.
    const stdout = readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    const resumed = [...stdout.matchAll(/Found step (\d+) in metadata, starting from there/g)].map((m) => Number(m[1]));
    expect(resumed.length).toBe(1);
    expect(resumed[0]).toBeGreaterThanOrEqual(50);

    // Exactly one LoRA, trained to the end.
    const loras = (await request<{ items: Lora[] }>(stack, `/api/characters/${character.id}/loras`)).body.items;
    expect(loras.map((l) => [l.trainingRunId, l.steps])).toEqual([[run.id, 300]]);

    // The lost worker's engine did not outlive it: its watchdog stopped it.
    const startsDir = path.join(stack.config.storage.training, run.id, 'starts');
    const engines = readdirSync(startsDir)
      .filter((f) => f.endsWith('.engine.json'))
      .map((f) => JSON.parse(readFileSync(path.join(startsDir, f), 'utf8')) as { pid: number });
    expect(engines).toHaveLength(2);
    for (const engine of engines) expect(isProcessAlive(engine.pid)).toBe(false);
  });
});

describe('a GPU worker restarted after a crash', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // A long "lost after": the recovery below must not be the heartbeat timeout's doing.
    stack = await startTestStack({ env: { GPU_LOST_AFTER_SECONDS: '120' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('hands its predecessor\'s training back at once, which resumes from the checkpoint on it', async () => {
    const first = await stack.spawnGpuWorker('gpu-phoenix', { ISENGARD_SIM_STEP_MS: '30' });
    const character = await characterWithPhotos(stack, 'Phoenix', 2);
    const run = await startTraining(stack, character.id, { steps: 300, saveEvery: 50, sampleEvery: 1000 });
    await waitForTraining(stack, run.id, (r) => (r.lastCheckpointStep ?? 0) >= 50 && r.step >= 70, 60_000, 'a checkpoint');
    first.kill('SIGKILL');
    await stack.spawnGpuWorker('gpu-phoenix', { ISENGARD_SIM_STEP_MS: '30' });

    // Well within the 120 s heartbeat timeout (the test's own time limit is 90 s).
    const done = await waitForTraining(stack, run.id, finished, 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.events.map((e) => e.kind)).toContain('retry');
    const workerLog = readFileSync(logFilePath(stack.config.log.dir, 'worker'), 'utf8');
    expect(workerLog).toContain('"event":"worker.activity_recovered"');
    const stdout = readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    expect([...stdout.matchAll(/Found step (\d+) in metadata/g)].map((m) => Number(m[1]))[0]).toBeGreaterThanOrEqual(50);
  });
});

describe('a generation survives the loss of its GPU worker', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('kill -9 mid-generation: the job moves to the other worker and completes', async () => {
    const workers = {
      'gpu-east': await stack.spawnGpuWorker('gpu-east', { ISENGARD_SIM_COMFY_STEP_MS: '150' }),
      'gpu-west': await stack.spawnGpuWorker('gpu-west', { ISENGARD_SIM_COMFY_STEP_MS: '150' }),
    };
    const started = await generate(stack, { prompt: 'moves house', seed: 11, steps: 30 });
    const running = await waitForGeneration(stack, started.id, (g) => g.status === 'running' && g.progress > 0.1);
    // The worker running it, as recorded when the job was pinned.
    const row = await stack.db.db.query.generations.findFirst({ where: (g, { eq }) => eq(g.id, running.id) });
    workers[row!.gpuWorker as keyof typeof workers].kill('SIGKILL');

    const done = await waitForGeneration(stack, started.id, undefined, 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.outputs).toHaveLength(1);
    const after = await stack.db.db.query.generations.findFirst({ where: (g, { eq }) => eq(g.id, running.id) });
    expect(after!.gpuWorker).not.toBe(row!.gpuWorker);
  });
});

describe('a frozen GPU worker', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { GPU_LOST_AFTER_SECONDS: '5' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('SIGSTOP: shows as lost within GPU_LOST_AFTER_SECONDS, with the job it held, which moves to the other worker', async () => {
    const workers = {
      'gpu-frozen': await stack.spawnGpuWorker('gpu-frozen', { ISENGARD_SIM_STEP_MS: '30' }),
      'gpu-thawed': await stack.spawnGpuWorker('gpu-thawed', { ISENGARD_SIM_STEP_MS: '30' }),
    };
    const character = await characterWithPhotos(stack, 'Icicle', 2);
    const run = await startTraining(stack, character.id, { steps: 300, saveEvery: 50, sampleEvery: 1000 });
    const running = await waitForTraining(stack, run.id, (r) => (r.lastCheckpointStep ?? 0) >= 50, 60_000, 'a checkpoint');
    const pinned = running.gpuWorker as keyof typeof workers;
    const other = pinned === 'gpu-frozen' ? 'gpu-thawed' : 'gpu-frozen';
    try {
      workers[pinned].kill('SIGSTOP');
      const lost = await eventually(async () => {
        const { body } = await request<Health>(stack, '/api/health');
        const worker = body.gpuWorkers.find((w) => w.workerId === pinned);
        return worker?.state === 'lost' ? { body, worker } : undefined;
      }, 30_000, `${pinned} to show as lost`);
      expect(lost.worker.silentSeconds).toBeGreaterThanOrEqual(5);
      expect(lost.worker.jobs).toEqual([{ id: `training-${run.id}`, label: 'the training of Icicle' }]);
      expect(lost.body.status).toBe('degraded');
      expect(lost.body.checks.workers).toEqual({
        ok: false,
        message: expect.stringMatching(new RegExp(`^GPU worker ${pinned} is lost: no word from it for \\d+ s; it held the training of Icicle, which moves to another GPU worker$`)),
      });
      expect(lost.body.gpuWorkers.find((w) => w.workerId === other)?.state).not.toBe('lost');

      const done = await waitForTraining(stack, run.id, finished, 90_000);
      expect(done).toMatchObject({ status: 'completed', gpuWorker: other, error: null });
    } finally {
      workers[pinned].kill('SIGKILL');
    }
  });
});
