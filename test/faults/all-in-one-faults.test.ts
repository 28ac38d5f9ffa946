import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Character } from '../../lib/contracts/characters';
import type { Lora } from '../../lib/contracts/loras';
import type { UploadPhotosResult } from '../../lib/contracts/photos';
import type { TrainingRun } from '../../lib/contracts/training';
import { AllInOneInstance } from '../helpers/all-in-one';
import { multipart } from '../helpers/multipart';
import { eventually } from '../helpers/stack';

async function json<T>(response: Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}

/**
 * The all-in-one under real faults mid-training: the control plane killed with -9, the Temporal dev server
 * killed and restarted by the supervisor. Each run must finish with exactly one LoRA.
 */
describe('training under the all-in-one supervisor', () => {
  const instance = new AllInOneInstance();
  beforeAll(async () => {
    await instance.prepare({ ISENGARD_SIM_STEP_MS: '40', GPU_LOST_AFTER_SECONDS: '10' });
    await instance.start();
  }, 180_000);
  afterAll(() => instance.cleanup());

  async function characterWithUploads(name: string): Promise<Character> {
    const character = await json<Character>(
      fetch(`${instance.url}/api/characters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) }),
    );
    const form = new FormData();
    for (let i = 0; i < 3; i++) {
      const jpeg = await sharp({ create: { width: 800, height: 1000, channels: 3, background: { r: 60 * i, g: 120, b: 90 } } })
        .composite([{ input: Buffer.from(`<svg width="800" height="1000"><circle cx="${200 + 150 * i}" cy="400" r="120" fill="white"/></svg>`) }])
        .jpeg()
        .toBuffer();
      form.append('photos', new Blob([jpeg], { type: 'image/jpeg' }), `photo-${i}.jpg`);
    }
    const upload = await json<UploadPhotosResult>(fetch(`${instance.url}/api/characters/${character.id}/photos`, { method: 'POST', body: form }));
    expect(upload.accepted).toHaveLength(3);
    // Plain shapes have no face: kept anyway, so training takes them (the photo checks have their own tests).
    for (const photo of upload.accepted) {
      const kept = await fetch(`${instance.url}/api/photos/${photo.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keepAnyway: true }),
      });
      expect(kept.status).toBe(200);
    }
    return character;
  }

  async function train(character: Character): Promise<TrainingRun> {
    return json<TrainingRun>(
      fetch(`${instance.url}/api/characters/${character.id}/trainings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ preset: 'quick', advanced: { steps: 500, saveEvery: 50, sampleEvery: 1000 }, confirmFewPhotos: true }),
      }),
    );
  }

  /** Polls the run; tolerates the API being down for a while (that is the point). */
  function waitFor(runId: string, until: (run: TrainingRun) => boolean, what: string): Promise<TrainingRun> {
    return eventually(
      async () => {
        const run = await json<TrainingRun>(fetch(`${instance.url}/api/trainings/${runId}`));
        return until(run) ? run : undefined;
      },
      120_000,
      what,
    );
  }

  async function expectOneLora(character: Character, run: TrainingRun): Promise<void> {
    const loras = await json<{ items: Lora[] }>(fetch(`${instance.url}/api/characters/${character.id}/loras`));
    expect(loras.items.map((l) => [l.trainingRunId, l.steps])).toEqual([[run.id, 500]]);
  }

  it('kill -9 of the control plane mid-training: the run carries on and completes', async () => {
    const character = await characterWithUploads('Resilient');
    const run = await train(character);
    await waitFor(run.id, (r) => r.step >= 60, 'training past step 60');

    const killed = instance.childPid('api', 'control plane');
    process.kill(killed, 'SIGKILL');
    await eventually(async () => (instance.childPid('api', 'control plane') !== killed ? true : undefined), 30_000, 'a restarted control plane');

    const done = await waitFor(run.id, (r) => ['completed', 'failed', 'stopped'].includes(r.status), 'the run to finish');
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', step: 500 });
    await expectOneLora(character, run);
  }, 240_000);

  it('a Temporal dev server restart mid-training: workflows and workers pick up where they were', async () => {
    const character = await characterWithUploads('Patient');
    const run = await train(character);
    await waitFor(run.id, (r) => r.step >= 60, 'training past step 60');

    const pid = Number(readFileSync(path.join(instance.root, 'data', 'temporal', 'dev-server.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (instance.childPid('temporal', 'Temporal dev server') !== pid ? true : undefined), 30_000, 'a restarted Temporal');

    const done = await waitFor(run.id, (r) => ['completed', 'failed', 'stopped'].includes(r.status), 'the run to finish');
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ status: 'completed', step: 500 });
    await expectOneLora(character, run);
  }, 240_000);

  it('kill -9 of the control plane mid-upload: the client is told, nothing half-stored remains, and uploading again works', async () => {
    const character = await json<Character>(
      fetch(`${instance.url}/api/characters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Uploader' }) }),
    );
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 90, g: 60, b: 30 } } })
      .composite([{ input: Buffer.from('<svg width="1600" height="1200"><circle cx="800" cy="600" r="300" fill="white"/></svg>') }])
      .jpeg()
      .toBuffer();
    let slowChunksSent = 0;
    const { contentType, body } = multipart([
      { filename: 'first.jpg', contentType: 'image/jpeg', data: photo },
      {
        filename: 'slow.jpg',
        contentType: 'image/jpeg',
        // Sent slowly on purpose (the pace is the point): the control plane dies while this file is arriving.
        data: async function* () {
          for (let at = 0; at < photo.length; at += 1024) {
            yield photo.subarray(at, at + 1024);
            slowChunksSent++;
            await new Promise((r) => setTimeout(r, 100));
          }
        },
      },
    ]);
    const sent = fetch(`${instance.url}/api/characters/${character.id}/photos`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: Readable.toWeb(Readable.from(body())) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    // The first photo has been sent and the second is on its way (about 2 s of it left).
    await eventually(async () => (slowChunksSent >= 3 ? true : undefined), 30_000, 'the slow photo to be arriving', 50);
    const killed = instance.childPid('api', 'control plane');
    process.kill(killed, 'SIGKILL');
    await expect(sent).rejects.toThrow();

    await eventually(async () => (instance.childPid('api', 'control plane') !== killed ? true : undefined), 30_000, 'a restarted control plane');
    const listed = await eventually(async () => {
      const res = await fetch(`${instance.url}/api/characters/${character.id}/photos`);
      return res.ok ? ((await res.json()) as { items: Array<{ url: string; thumbnailUrl: string }> }) : undefined;
    }, 60_000);
    // Whatever was stored before the crash is whole: every listed photo serves its image and thumbnail.
    for (const item of listed.items) {
      expect((await fetch(`${instance.url}${item.url}`)).status).toBe(200);
      expect((await fetch(`${instance.url}${item.thumbnailUrl}`)).status).toBe(200);
    }
    expect(listed.items.length).toBeLessThan(2);

    const form = new FormData();
    form.append('photos', new Blob([photo], { type: 'image/jpeg' }), 'again.jpg');
    const again = await fetch(`${instance.url}/api/characters/${character.id}/photos`, { method: 'POST', body: form });
    expect(again.status).toBe(201);
  }, 120_000);
});
