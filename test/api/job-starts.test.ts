import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import type { Generation } from '../../lib/contracts/generations';
import type { Lora } from '../../lib/contracts/loras';
import type { TrainingRun } from '../../lib/contracts/training';
import { MAX_STREAMS_PER_CLIENT } from '../../api/sse';
import { waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, waitForTraining } from '../helpers/training';

/** Starting jobs: a retried request starts nothing twice, and each job says which engine and request it came from. */
describe('job starts', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.startGpuWorker('gpu-starts');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const postGeneration = (key?: string, correlationId?: string) =>
    request<Generation & ApiErrorBody>(stack, '/api/generations', {
      method: 'POST',
      body: { prompt: 'a retried request', steps: 2, seed: 4 },
      headers: { ...(key ? { 'Idempotency-Key': key } : {}), ...(correlationId ? { 'X-Correlation-ID': correlationId } : {}) },
    });

  it('a generation retried with the same Idempotency-Key answers the first one, even when the retries arrive at once', async () => {
    const first = await postGeneration('gen-key-1', 'start-request-1');
    expect(first.status).toBe(202);
    expect(first.body.correlationId).toBe('start-request-1');
    const again = await postGeneration('gen-key-1');
    expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([202, first.body.id, 'true']);
    const burst = await Promise.all([1, 2, 3].map(() => postGeneration('gen-key-2')));
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
    expect((await postGeneration('gen-key-3')).body.id).not.toBe(first.body.id);
    expect((await postGeneration()).body.id).not.toBe(first.body.id);
    for (const bad of ['has spaces in it', 'x'.repeat(201), 'é']) {
      const refused = await postGeneration(bad);
      expect([refused.status, refused.body.error.message]).toEqual([400, 'The Idempotency-Key header must be 1 to 200 visible ASCII characters']);
    }
    await waitForGeneration(stack, first.body.id);
  });

  it('a training start retried with the same key answers the first run; the run and its LoRA name the engine that trained them', async () => {
    const character = await characterWithPhotos(stack, 'Retried', 2);
    const start = () =>
      request<TrainingRun & ApiErrorBody>(stack, `/api/characters/${character.id}/trainings`, {
        method: 'POST',
        body: { preset: 'quick', advanced: { steps: 100, saveEvery: 50, sampleEvery: 1000 }, confirmFewPhotos: true },
        headers: { 'Idempotency-Key': 'train-key-1', 'X-Correlation-ID': 'start-training-1' },
      });
    const first = await start();
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ engineVersion: expect.stringMatching(/^ai-toolkit@1\+[0-9a-f]{7}$/), correlationId: 'start-training-1' });
    // The same request again is not "already training": it is the same run.
    const again = await start();
    expect([again.status, again.body.id]).toEqual([202, first.body.id]);
    const done = await waitForTraining(stack, first.body.id, finished);
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora.engineVersion).toBe(first.body.engineVersion);
  });

  it('refuses more live views from one address than it should hold, and takes new ones once some close', async () => {
    const generation = await postGeneration('sse-cap');
    const url = `${stack.plane.url}/api/generations/${generation.body.id}/events`;
    const open: AbortController[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i++) {
        const controller = new AbortController();
        const res = await fetch(url, { signal: controller.signal });
        expect(res.status).toBe(200);
        open.push(controller);
      }
      const refused = await fetch(url);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as ApiErrorBody).error.code).toBe('rate_limited');
      open.pop()!.abort();
      await eventually(async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const ok = res.status === 200;
        await res.body?.cancel();
        return ok ? true : undefined;
      }, 10_000, 'a place to free up');
    } finally {
      for (const controller of open) controller.abort();
    }
  });
});
