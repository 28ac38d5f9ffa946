import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveGpuWorkerReport } from '../../db/repositories/gpu-workers';
import type { DeletionImpact } from '../../lib/contracts/character-impact';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import type { GpuWorkerReport } from '../../lib/contracts/gpu-workers';
import type { TrainingRun } from '../../lib/contracts/training';
import type { TrainingEstimate } from '../../lib/contracts/training-estimate';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, waitForTraining } from '../helpers/training';

/** Before a long run: the duration estimate, the few-photos confirmation, and what deleting a character takes. */
describe('before a training', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // No GPU worker: runs wait for one, so they stay active as long as a test needs.
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const start = (characterId: string, body: Record<string, unknown>) =>
    request<TrainingRun & ApiErrorBody>(stack, `/api/characters/${characterId}/trainings`, { method: 'POST', body: { preset: 'quick', ...body } });
  const stopAndWait = async (run: TrainingRun) => {
    await request(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    await waitForTraining(stack, run.id, finished);
  };

  it('asks to confirm a training on fewer than 10 good photos, and refuses one on none, before any run exists', async () => {
    const none = await characterWithPhotos(stack, 'No Photos Yet', 0);
    const refused = await start(none.id, { confirmFewPhotos: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe('No Photos Yet has no usable photos: upload photos (or include excluded ones), then start the training.');

    const few = await characterWithPhotos(stack, 'Three Photos', 3);
    const unconfirmed = await start(few.id, {});
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.error).toEqual({
      code: 'confirmation_required',
      message: 'Fewer than 10 good photos (3): the model may not look like Three Photos. Add photos, or train anyway (confirmFewPhotos: true).',
      details: { goodPhotos: 3, recommended: 10, confirm: 'confirmFewPhotos' },
    });
    expect((await request<{ items: unknown[] }>(stack, `/api/characters/${few.id}/trainings`)).body.items).toEqual([]);
    const confirmed = await start(few.id, { confirmFewPhotos: true });
    expect(confirmed.status).toBe(202);
    await stopAndWait(confirmed.body);

    const enough = await characterWithPhotos(stack, 'Ten Photos', 10);
    const plain = await start(enough.id, {});
    expect(plain.status).toBe(202);
    await stopAndWait(plain.body);
  });

  it('estimates a run on this instance’s GPU: unknown without one, published figures by model, then the speed measured here', async () => {
    const estimate = async (query: string) => request<TrainingEstimate & ApiErrorBody>(stack, `/api/trainings/estimate?${query}`);
    expect((await estimate('preset=balanced')).body).toEqual({
      seconds: null,
      basis: 'unknown',
      gpuName: null,
      secondsPerStep: null,
      samplingSeconds: null,
      startupSeconds: null,
      measuredRuns: 0,
    });

    const device = 'NVIDIA H100 80GB HBM3';
    const report: GpuWorkerReport = {
      identity: 'estimate-test',
      hostname: 'pod',
      queue: 'isengard-gpu.estimate',
      capacity: 1,
      engines: [],
      jobs: [],
      startedAt: new Date().toISOString(),
      gpu: { state: 'usable', device, totalMb: 81_559, freeMb: 80_000, probes: [], reason: null, cpuAllowed: false, checkedAt: new Date().toISOString() },
      stopping: false,
    };
    await saveGpuWorkerReport(stack.db.db, 'estimate-gpu', report);
    const table = await estimate('preset=quick&steps=1000');
    expect(table.status).toBe(200);
    expect(table.body).toMatchObject({ basis: 'table', gpuName: device, secondsPerStep: 0.65, measuredRuns: 0 });
    // 1000 steps at 0.65 s, five sample rounds of five prompts, four saves, and loading.
    expect(table.body.seconds).toBe(Math.round(1000 * 0.65 + table.body.samplingSeconds! + table.body.startupSeconds!));
    const longer = await estimate('preset=quick&steps=3000&resolutions=1024');
    expect(longer.body.secondsPerStep).toBe(1.75);
    expect(longer.body.seconds!).toBeGreaterThan(3 * table.body.seconds!);

    const bad = await estimate('preset=ultra&steps=ten&resolutions=999');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'preset', message: 'preset must be one of: quick, balanced, high' },
        { field: 'steps', message: 'steps must be a number' },
        { field: 'resolutions.0', message: 'resolutions can only be 512, 768, 1024' },
      ]),
    );
    expect((await estimate('preset=quick&steps=5')).status).toBe(400);
  });

  it('tells what deleting a character takes with it, and refuses while one of its jobs runs', async () => {
    const character = await characterWithPhotos(stack, 'To Be Deleted', 4);
    const impact = async () => request<DeletionImpact>(stack, `/api/characters/${character.id}/deletion-impact`);
    expect((await impact()).body).toEqual({ photos: 4, trainingRuns: 0, loras: 0, generations: 0, pictures: 0, activeTrainings: [], activeGenerations: [] });

    const run = await start(character.id, { confirmFewPhotos: true });
    const busy = await impact();
    expect(busy.body).toMatchObject({ photos: 4, trainingRuns: 1, activeTrainings: [{ id: run.body.id, status: expect.stringMatching(/^(queued|running)$/) }] });
    const refused = await request<ApiErrorBody>(stack, `/api/characters/${character.id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `To Be Deleted still has a training (${run.body.id}) queued or running: stop or cancel it, or wait for it to end, then delete.`,
    );

    await stopAndWait(run.body);
    expect((await impact()).body).toMatchObject({ trainingRuns: 1, activeTrainings: [] });
    expect((await request(stack, `/api/characters/${character.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await impact()).status).toBe(404);
  });
});
