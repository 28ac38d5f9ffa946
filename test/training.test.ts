import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingRun } from '../lib/contracts/training';
import type { Lora } from '../lib/contracts/loras';
import type { ApiErrorBody } from '../lib/contracts/errors';
import { logFilePath } from '../lib/logger/logger';
import { request } from './helpers/http';
import { startTestStack, type TestStack } from './helpers/stack';
import { personPhotos } from './helpers/faces';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

/** Reads a server-sent event stream until `enough` says stop; returns the `training` events it saw. */
async function readEvents(url: string, enough: (run: TrainingRun) => boolean, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: Array<{ id: number; run: TrainingRun }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields.event !== 'training') continue;
        const run = JSON.parse(fields.data!) as TrainingRun;
        events.push({ id: Number(fields.id), run });
        if (enough(run)) return { events, response };
      }
    }
  } finally {
    controller.abort();
  }
  return { events, response };
}

const small = { steps: 120, saveEvery: 50, sampleEvery: 50 };

describe('LoRA training end to end (fast-test engine, real Temporal and database)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.startGpuWorker('gpu-train');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('trains, streams progress over SSE, and registers exactly one LoRA', async () => {
    const character = await characterWithPhotos(stack, 'Ada', 3);
    // Text the engine would otherwise treat as config syntax (${VAR} from its environment; an unset one aborts it).
    const samplePrompts = ['${HF_TOKEN} [trigger] costs ${PRICE}', '[trigger] smiling, outdoors'];
    const run = await startTraining(stack, character.id, { ...small, samplePrompts });
    expect(run).toMatchObject({ status: 'queued', phase: 'queued', step: 0, totalSteps: 120, workflowId: `training-${run.id}` });

    const { events, response } = await readEvents(`${stack.plane.url}/api/trainings/${run.id}/events`, finished);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const phases = new Set(events.map((e) => e.run.phase));
    expect(phases).toContain('training');
    expect(events.some((e) => e.run.step > 0 && e.run.step < 120)).toBe(true);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));

    const done = await waitForTraining(stack, run.id, finished);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', phase: 'done', step: 120, gpuWorker: 'gpu-train' });
    expect(done.loss.length).toBeGreaterThan(10);
    expect(done.samples.length).toBeGreaterThanOrEqual(4);
    // Each sample recorded once, with the prompt as the person wrote it (the trigger word in place of its tag).
    expect(new Set(done.samples.map((s) => `${s.step}:${s.promptIndex}`)).size).toBe(done.samples.length);
    const wanted = samplePrompts.map((p) => p.replaceAll('[trigger]', character.triggerWord));
    for (const sample of done.samples) expect(sample.prompt).toBe(wanted[sample.promptIndex]);
    expect(done.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['queued', 'preparing', 'dataset', 'gpu', 'lora', 'completed']));
    expect(done.loraId).not.toBeNull();
    // Every sample was scored, but the photos are plain colours: no face to compare with. The run says why its final
    // checkpoint is its model.
    for (const sample of done.samples) expect(['no_face', 'no_reference']).toContain(sample.likeness?.status);
    expect(done.likeness?.recommended).toMatchObject({
      step: 120,
      finalStep: 120,
      reason: 'Likeness could not be measured: no training photo shows one clear face to compare the samples with: the final checkpoint (step 120) is used.',
    });
    expect(done.events.map((e) => e.kind)).toContain('likeness');

    // The sample images and the checkpoints can be downloaded.
    const sample = await fetch(`${stack.plane.url}${done.samples[0]!.url}`);
    expect(sample.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await sample.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const checkpoints = (await request<{ items: Array<{ step: number; final: boolean; url: string; recommended: boolean }> }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    expect(checkpoints.map((c) => [c.step, c.final, c.recommended])).toEqual([[50, false, false], [100, false, false], [120, true, true]]);

    // Exactly one LoRA, with the file's real hash and size, reachable where ComfyUI will look.
    const loras = (await request<{ items: Lora[] }>(stack, `/api/characters/${character.id}/loras`)).body.items;
    expect(loras).toHaveLength(1);
    const lora = loras[0]!;
    expect(lora).toMatchObject({ id: done.loraId, version: 1, steps: 120, rank: 16, baseModel: 'flux1-dev', trainingRunId: run.id, triggerWord: character.triggerWord });
    const file = Buffer.from(await (await fetch(`${stack.plane.url}${lora.downloadUrl}`)).arrayBuffer());
    expect(createHash('sha256').update(file).digest('hex')).toBe(lora.sha256);
    expect(file.length).toBe(lora.sizeBytes);
    expect(readFileSync(path.join(stack.config.storage.loras, lora.fileName))).toEqual(file);

    // The engine's own console went to the subprocess logs, line by line, under the request's correlation id.
    const stdout = readFileSync(logFilePath(stack.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    expect(stdout).toContain('"message":"Running 1 job"');
  });

  it('measures the likeness of the samples as they come, and registers the checkpoint it recommends', async () => {
    // Photos of one real face (test/helpers/faces.ts); the simulator draws the person of the dataset, more
    // faithfully as the steps go.
    // Not analysed by the photo checks (they have their own tests): the likeness analyses them itself.
    const character = await characterWithPhotos(stack, 'Ada Likeness', 4, { photos: await personPhotos('ada', 4, 0, { width: 384, height: 512 }) });
    const run = await startTraining(stack, character.id, { steps: 200, saveEvery: 50, sampleEvery: 50 });
    // Live: samples are scored while the run trains, before its end.
    const scoredLive = await waitForTraining(stack, run.id, (r) => finished(r) || (r.likeness?.curve.length ?? 0) > 0, 60_000, 'a likeness point');
    expect(scoredLive.error).toBeNull();
    expect(scoredLive.likeness?.curve.length).toBeGreaterThan(0);

    const done = await waitForTraining(stack, run.id, finished, 180_000);
    expect(done.status).toBe('completed');
    for (const sample of done.samples) expect(sample.likeness).not.toBeNull();
    const curve = done.likeness!.curve;
    expect(curve.map((p) => p.step)).toEqual([0, 50, 100, 150, 200]);
    // Five evaluation prompts at each step; the person is drawn more faithfully as training goes on.
    expect(curve.every((p) => p.samples === 5)).toBe(true);
    expect(curve.at(-1)!.mean!).toBeGreaterThan(curve[1]!.mean ?? 0);

    const recommended = done.likeness!.recommended!;
    expect([50, 100, 150, 200]).toContain(recommended.step);
    expect(recommended).toMatchObject({ finalStep: 200, samples: 5 });
    expect(recommended.reason).toMatch(new RegExp(`^Step ${recommended.step}\\b`));
    expect(done.events.find((e) => e.kind === 'likeness')?.message).toContain(recommended.reason);
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    expect(lora.steps).toBe(recommended.step);
    const checkpoints = (await request<{ items: Array<{ step: number; final: boolean; recommended: boolean; likeness: unknown }> }>(stack, `/api/trainings/${run.id}/checkpoints`)).body.items;
    expect(checkpoints.filter((c) => c.recommended).map((c) => c.step)).toEqual([recommended.step]);
    expect(checkpoints.find((c) => c.final)?.likeness).toEqual(curve.at(-1));
  }, 240_000);

  it('resumes an event stream from Last-Event-ID without replaying what the client has', async () => {
    const character = await characterWithPhotos(stack, 'Grace', 2);
    const run = await startTraining(stack, character.id, small);
    const done = await waitForTraining(stack, run.id, finished);
    const { events } = await readEvents(`${stack.plane.url}/api/trainings/${run.id}/events`, () => true);
    expect(events[0]!.run.status).toBe(done.status);
    const seq = events[0]!.id;
    const again = await Promise.race([
      readEvents(`${stack.plane.url}/api/trainings/${run.id}/events`, () => true, { 'Last-Event-ID': String(seq) }),
      new Promise<{ events: [] }>((resolve) => setTimeout(() => resolve({ events: [] }), 2_500)),
    ]);
    expect(again.events).toEqual([]);
  });

  it('refuses a training, saying why, when the character has no usable photos: no run is made', async () => {
    const character = await characterWithPhotos(stack, 'Nobody', 0);
    const refused = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/trainings`, {
      method: 'POST',
      body: { preset: 'quick', advanced: small, confirmFewPhotos: true },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe('Nobody has no usable photos: upload photos (or include excluded ones), then start the training.');
    expect((await request<{ items: unknown[] }>(stack, `/api/characters/${character.id}/trainings`)).body.items).toEqual([]);
  });

  it('refuses a second run for a character that is training, bad settings, and unknown characters', async () => {
    const character = await characterWithPhotos(stack, 'Busy', 2);
    const run = await startTraining(stack, character.id, { ...small, steps: 2000 });
    const second = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/trainings`, { method: 'POST', body: { preset: 'quick' } });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe(`Busy is already training (run ${run.id}); stop it or wait for it to finish`);
    const bad = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/trainings`, {
      method: 'POST',
      body: { preset: 'fast', advanced: { rank: 7, steps: 5 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'preset', message: 'preset must be one of: quick, balanced, high' },
        { field: 'advanced.rank', message: 'Rank must be one of 4, 8, 16, 32, 64, 128' },
        { field: 'advanced.steps', message: 'Steps must be at least 100' },
      ]),
    );
    // What the engine would read as a prompt option, and a learning rate that prodigy would ignore.
    const ignored = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/trainings`, {
      method: 'POST',
      body: { preset: 'quick', advanced: { samplePrompts: ['[trigger] --w 64'], optimizer: 'prodigy', learningRate: 0.001 } },
    });
    expect(ignored.status).toBe(400);
    expect(ignored.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'advanced.samplePrompts.0', message: 'A sample prompt cannot contain “--” (the trainer reads it as an option, like --w 512): write a single dash or “—”' },
        { field: 'advanced.learningRate', message: 'Learning rate cannot be set with the prodigy optimizer: prodigy finds its own learning rate. Leave it out.' },
      ]),
    );
    const unknown = await request(stack, '/api/characters/00000000-0000-4000-8000-000000000000/trainings', { method: 'POST', body: { preset: 'quick' } });
    expect(unknown.status).toBe(404);
    await request(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    await waitForTraining(stack, run.id, finished);
  });

  it('stops on request: the engine saves, exits, and the run keeps its last checkpoint as a LoRA', async () => {
    const character = await characterWithPhotos(stack, 'Stopper', 2);
    const run = await startTraining(stack, character.id, { steps: 2000, saveEvery: 100, sampleEvery: 1000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 120, 30_000, 'training to pass step 120');
    const stop = await request<TrainingRun>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    const done = await waitForTraining(stack, run.id, finished, 30_000);
    expect(done.status).toBe('stopped');
    expect(done.loraId).not.toBeNull();
    const lora = (await request<Lora>(stack, `/api/loras/${done.loraId}`)).body;
    // Saved when asked to stop: a checkpoint past the last periodic one (step 100).
    expect(lora.steps).toBeGreaterThan(100);
    expect(done.events.at(-1)!.message).toBe(`Stopped; the checkpoint at step ${lora.steps} was kept as a LoRA`);
    const again = await request<ApiErrorBody>(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    expect(again.status).toBe(409);
  });

  it('saves a checkpoint on request while training', async () => {
    const character = await characterWithPhotos(stack, 'Saver', 2);
    const run = await startTraining(stack, character.id, { steps: 400, saveEvery: 1000, sampleEvery: 1000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training' && r.step >= 40, 30_000);
    expect((await request(stack, `/api/trainings/${run.id}/save-now`, { method: 'POST' })).status).toBe(202);
    const saved = await waitForTraining(stack, run.id, (r) => r.lastCheckpointStep !== null, 30_000, 'a checkpoint');
    expect(saved.lastCheckpointStep).toBeGreaterThanOrEqual(40);
    await waitForTraining(stack, run.id, finished);
  });

  it('refuses progress reports without the internal token, and from a stale engine start', async () => {
    const bad = await fetch(`${stack.plane.url}/internal/trainings/00000000-0000-4000-8000-000000000000/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    const token = readFileSync(path.join(stack.config.storage.root, '.internal-token'), 'utf8');
    const character = await characterWithPhotos(stack, 'Fenced', 1);
    const run = await startTraining(stack, character.id, small);
    const done = await waitForTraining(stack, run.id, finished);
    const stale = await fetch(`${stack.plane.url}/internal/trainings/${run.id}/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ workerId: 'gpu-train', attempt: 1, step: 1 }),
    });
    expect(stale.status).toBe(409);
    expect(done.step).toBe(120);
  });
});
