import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionWorkflowId, createCaptionJob } from '../db/repositories/captions';
import { logFilePath } from '../lib/logger/logger';
import type { CaptionJob } from '../lib/contracts/captions';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Photo } from '../lib/contracts/photos';
import { request } from './helpers/http';
import { eventually, startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos } from './helpers/training';

/** Flat pictures of one colour each: the simulated captioner must name that colour. */
const flat = (r: number, g: number, b: number, width = 768, height = 1024) => sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

describe('captions written for you: the durable job through the API, the GPU worker and the simulated captioner', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.startGpuWorker('gpu-cap');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const photosOf = async (characterId: string) => (await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`, { headers: { 'Cache-Control': 'no-cache' } })).body.items;
  const waitForJob = (id: string) =>
    eventually(async () => {
      const { body } = await request<CaptionJob>(stack, `/api/caption-jobs/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    }, 60_000, 'the caption job to end');

  it('writes sensible captions for every photo in one request, keeping the trigger word and the user\'s own captions', async () => {
    const character = await characterWithPhotos(stack, 'Captioned Cara', 3, {
      photos: [await flat(30, 60, 200), await flat(200, 30, 30, 1200, 800), await flat(40, 160, 50)],
    });
    const before = await photosOf(character.id);
    await request(stack, `/api/photos/${before[2]!.id}`, { method: 'PATCH', body: { caption: 'my own words for [trigger]' } });

    const start = await request<CaptionJob>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { style: 'short' } });
    expect(start.status).toBe(202);
    expect(start.body).toMatchObject({ status: 'queued', style: 'short', explicit: false });

    // One at a time per character (the simulator takes 150 ms a photo: the first job is still under way).
    const again = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: {} });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { job: { id: start.body.id } } });

    const job = await waitForJob(start.body.id);
    expect(job).toMatchObject({ status: 'completed', total: 2, done: 2, skipped: 1, error: null, engine: 'simulated-captioner@1' });
    const captions = (await photosOf(character.id)).map((p) => p.caption);
    expect(captions[0]).toMatch(/^photo of \[trigger\], .*blue background/);
    expect(captions[1]).toMatch(/^photo of \[trigger\], .*red background/);
    expect(captions[2]).toBe('my own words for [trigger]');
    expect((await request<{ job: CaptionJob }>(stack, `/api/characters/${character.id}/caption-jobs/latest`)).body.job?.id).toBe(job.id);

    // Chosen explicitly, a photo is rewritten even though the user edited it, in the detailed style.
    const chosen = await request<CaptionJob>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { style: 'detailed', photoIds: [before[2]!.id] } });
    expect(chosen.status).toBe(202);
    expect(await waitForJob(chosen.body.id)).toMatchObject({ status: 'completed', total: 1, explicit: true });
    expect((await photosOf(character.id))[2]!.caption).toMatch(/^A photo of \[trigger\] in portrait format\. The background is mostly green\./);
  });

  it('a job whose workflow an operator ends does not stay "running": the reconciler closes it with the reason', async () => {
    const character = await characterWithPhotos(stack, 'Orphaned Otto', 3, { photos: [await flat(30, 60, 200), await flat(200, 30, 30), await flat(40, 160, 50)] });
    const start = await request<CaptionJob>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: {} });
    expect(start.status).toBe(202);
    await stack.plane.temporal.workflow.getHandle(captionWorkflowId(start.body.id)).terminate('maintenance of the pod');
    await stack.plane.reconciler.reconcile();
    const job = await waitForJob(start.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/maintenance of the pod|terminated/i);
    // The character can have captions written again.
    expect((await request(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: {} })).status).toBe(202);
  });

  it('a Cancel of a job whose workflow is missing closes it at once, as cancelled, through the job reconciler', async () => {
    // A row as an API that died before starting its workflow left it (the reconciler's own passes give it a minute).
    const character = await characterWithPhotos(stack, 'Never Started Nell', 1);
    const job = await createCaptionJob(stack.db.db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: undefined, correlationId: undefined });
    const cancel = await request<CaptionJob>(stack, `/api/caption-jobs/${job.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ id: job.id, status: 'cancelled', error: null });
    stack.logs.api.flush();
    const closed = readFileSync(logFilePath(stack.config.log.dir, 'api'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"event":"jobs.orphan_closed"'))
      .map((line) => JSON.parse(line) as { message: string; context: Record<string, unknown> })
      .filter((line) => line.context.id === job.id);
    expect(closed).toEqual([expect.objectContaining({ message: expect.stringContaining('cancel asked for'), context: expect.objectContaining({ kind: 'caption job' }) })]);
    // The character can have captions written again.
    expect((await request(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: {} })).status).toBe(202);
  });

  it('applies one caption to all and finds/replaces across a character\'s captions, saying how many changed', async () => {
    const character = await characterWithPhotos(stack, 'Bulk Bea', 3);
    const all = await request<{ changed: number }>(stack, `/api/characters/${character.id}/captions/apply-all`, { method: 'POST', body: { caption: 'photo of [trigger], red scarf' } });
    expect(all).toMatchObject({ status: 200, body: { changed: 3 } });
    const replaced = await request<{ changed: number }>(stack, `/api/characters/${character.id}/captions/replace`, { method: 'POST', body: { find: 'RED', replace: 'blue', matchCase: false } });
    expect(replaced.body).toEqual({ changed: 3 });
    expect(new Set((await photosOf(character.id)).map((p) => p.caption))).toEqual(new Set(['photo of [trigger], blue scarf']));
  });

  it('refuses bad input with a clear 4xx', async () => {
    const character = await characterWithPhotos(stack, 'Strict Sam', 1);
    const badStyle = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { style: 'poetic' } });
    expect(badStyle.status).toBe(400);
    expect(badStyle.body.error.message).toMatch(/style must be one of: short, detailed/);
    const foreign = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { photoIds: ['00000000-0000-4000-8000-000000000000'] } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toMatch(/not photos of Strict Sam/);
    const emptyFind = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions/replace`, { method: 'POST', body: { find: '', replace: 'x' } });
    expect(emptyFind.status).toBe(400);
    expect(emptyFind.body.error.message).toMatch(/find must not be empty/);
    const tooLong = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions/replace`, { method: 'POST', body: { find: 'photo', replace: 'y'.repeat(1000) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/longer than 1000 characters/);
    const nobody = await request<ApiErrorBody>(stack, '/api/characters/00000000-0000-4000-8000-000000000000/captions', { method: 'POST', body: {} });
    expect(nobody.status).toBe(404);
    expect((await request<ApiErrorBody>(stack, '/api/caption-jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
