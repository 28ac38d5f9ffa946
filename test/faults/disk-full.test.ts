import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Character } from '../../lib/contracts/characters';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { healthSchema, type Health } from '../../lib/contracts/health';
import type { Photo, UploadPhotosResult } from '../../lib/contracts/photos';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { photoJpeg } from '../helpers/images';
import { AllInOneInstance } from '../helpers/all-in-one';
import { upload, type Part } from '../helpers/multipart';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

const MB = 1024 * 1024;
const DISK_FULL_MESSAGE = 'The disk is full: the images could not be saved. Free some space, then re-run this generation.';

/** Writes zeros into `file` until the volume has no space left (a tmpfs fills page by page). */
function fillUp(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

const freeBytes = (dir: string) => {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
};

/** A ballast file that leaves about `leaveMb` free on the volume of `dir`. */
function leaveFree(dir: string, name: string, leaveMb: number): void {
  const size = freeBytes(dir) - leaveMb * MB;
  if (size > 0) writeFileSync(path.join(dir, name), Buffer.alloc(size));
}

async function health(stack: TestStack, until: (h: Health) => boolean, what: string): Promise<Health> {
  let last: Health | undefined;
  return eventually(
    async () => {
      last = healthSchema.parse((await request<Health>(stack, '/api/health')).body);
      return until(last) ? last : undefined;
    },
    30_000,
    () => `${what} (last seen: ${JSON.stringify(last && { status: last.status, disk: last.checks.disk })})`,
  );
}

/**
 * A full disk while a generation writes its images: a 64 KiB tmpfs mounted over outputs/ (root can mount in this
 * sandbox and in CI; a real full volume behaves the same for the writer: ENOSPC).
 */
describe('the disk full while writing outputs', () => {
  let stack: TestStack;
  const mounted: string[] = [];
  const mount = (dir: string, size: string) => {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    mounted.push(dir);
  };
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    mount(stack.config.storage.outputs, '64k');
    await stack.startGpuWorker('gpu-full');
  });
  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    for (const dir of mounted.reverse()) execFileSync('umount', ['-l', dir]);
  });

  it('fails the generation with a clear reason, keeps no image (not even half of one), and the server stays healthy', async () => {
    const generation = await generate(stack, { prompt: 'too big for the disk', seed: 2, steps: 2, aspect: 'square' });
    const failed = await waitForGeneration(stack, generation.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'disk_full', message: DISK_FULL_MESSAGE });
    expect(failed.outputs).toEqual([]);
    // A generation that did not complete keeps no image, whole or half-written.
    expect(existsSync(path.join(stack.config.storage.outputs, generation.id))).toBe(false);
    expect((await request(stack, '/api/characters')).status).toBe(200);
  });

  it("says the same when ComfyUI's own output folder is full (never a raw ENOSPC), at once, and gives the GPU slot back", async () => {
    // ComfyUI writes each image into its own output folder before Isengard fetches it.
    const comfyOutput = path.join(stack.config.storage.root, 'comfyui', 'gpu-full', 'output');
    mount(comfyOutput, '4k');
    fillUp(path.join(comfyOutput, 'ballast'));

    const generation = await generate(stack, { prompt: 'nowhere to save it', seed: 3, steps: 2, aspect: 'square' });
    const failed = await waitForGeneration(stack, generation.id);
    expect(failed.status).toBe('failed');
    // `disk_full`, not ComfyUI's "engine_error" retried five times with "ENOSPC: no space left on device, write".
    expect(failed.error).toEqual({ code: 'disk_full', message: DISK_FULL_MESSAGE });
    // The slot is free again: the GPU worker reports no job.
    await health(stack, (h) => h.gpuWorkers.some((w) => w.workerId === 'gpu-full' && w.state === 'idle' && w.jobs.length === 0), 'gpu-full free again');
  });
});

/**
 * The whole data volume full: a 16 MiB tmpfs as DATA_DIR (the test database lives in memory, Temporal elsewhere),
 * warnings below 8 MB free, refusals below 4 MB.
 */
describe('a full data volume', () => {
  let stack: TestStack;
  let root = '';
  let characterId = '';
  const photosOf = async (id: string) => (await request<{ items: Photo[] }>(stack, `/api/characters/${id}/photos`)).body.items;
  const refusal = /^The disk is full: only \d+ MB free on the data volume; free some space, then try again\.$/;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'isengard-full-volume-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', root]);
    stack = await startTestStack({ env: { DATA_DIR: root, DISK_LOW_FREE_MB: '8', DISK_RESERVE_MB: '4', ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    await stack.startGpuWorker('gpu-volume');
    const character = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: 'Full Disk' } });
    characterId = character.body.id;
  });
  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    if (root) {
      execFileSync('umount', ['-l', root]);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('answers an upload that fills the disk at once with a 507, keeping the photos stored before it whole and nothing partial', async () => {
    const first = await upload<UploadPhotosResult>(stack, characterId, [
      { filename: 'one.jpg', data: await photoJpeg(1200, 900, { seed: 61 }) },
      { filename: 'two.jpg', data: await photoJpeg(1200, 900, { seed: 62 }) },
    ]);
    expect(first.status).toBe(201);
    expect(first.body.accepted).toHaveLength(2);

    // More than the volume holds, in one file under the 30 MB limit: it runs out of space mid-file.
    const header = (await photoJpeg(64, 48, { seed: 63 })).subarray(0, 600);
    async function* huge() {
      yield header;
      for (let sent = header.length; sent < 24 * MB; sent += MB) yield Buffer.alloc(MB, 7);
    }
    const parts: Part[] = [
      { filename: 'three.jpg', data: await photoJpeg(1200, 900, { seed: 64 }) },
      { filename: 'huge.jpg', data: huge },
    ];
    const started = Date.now();
    // A short client timeout: the answer comes at once, not after Node's 300 s request timeout.
    const full = await upload<ApiErrorBody>(stack, characterId, parts, { signal: AbortSignal.timeout(20_000) });
    const seconds = (Date.now() - started) / 1000;
    expect(full.status).toBe(507);
    expect(full.body.error.code).toBe('disk_full');
    expect(full.body.error.message).toMatch(
      /^The disk is full: huge\.jpg could not be stored(, and no photo of this upload was kept\. Free some space, then upload them again\.|; 1 photo of this upload was kept\. Free some space, then upload the rest again\.)$/,
    );
    expect(seconds).toBeLessThan(20);

    // The earlier photos are kept and listed, each whole; three.jpg is there too if it was stored before the
    // disk filled up, and the answer said so.
    const listed = await photosOf(characterId);
    expect(listed.map((p) => p.originalName)).toEqual(full.body.error.message.includes('1 photo') ? ['one.jpg', 'two.jpg', 'three.jpg'] : ['one.jpg', 'two.jpg']);
    const folder = path.join(stack.config.storage.uploads, characterId);
    for (const photo of listed) {
      expect(statSync(path.join(folder, `${photo.id}.jpg`)).size).toBe(photo.sizeBytes);
      const served = await fetch(`${stack.plane.url}${photo.url}`);
      expect(Buffer.from(await served.arrayBuffer()).length).toBe(photo.sizeBytes);
    }
    // Nothing else: no partial upload, no file without its row.
    const expected = listed.flatMap((p) => [`${p.id}.jpg`, `${p.id}.thumb.webp`]).sort();
    expect(readdirSync(folder).sort()).toEqual(expected);
    expect(readdirSync(path.join(stack.config.storage.uploads, '.incoming'))).toEqual([]);
  });

  it('says degraded, with the numbers, once the data volume runs low', async () => {
    leaveFree(root, 'ballast-low', 6);
    const low = await health(stack, (h) => !h.checks.disk.ok, 'the disk check to fail');
    expect(low.status).toBe('degraded');
    expect(low.checks.disk.message).toMatch(/^The data volume has \d(\.\d)? MB free \(below the 8 MB warning threshold\)$/);
    const data = low.disk.volumes.find((v) => v.name === 'data')!;
    expect(data).toMatchObject({ path: root, state: 'low', totalMb: 16 });
    expect(data.freeMb).toBeGreaterThanOrEqual(4);
    expect(data.freeMb).toBeLessThan(8);
    expect(data.freeGb).toBe(0);
    expect(low.disk).toMatchObject({ lowFreeMb: 8, reserveMb: 4 });
    expect(low.disk.volumes.find((v) => v.name === 'logs')).toMatchObject({ path: stack.config.log.dir, sameVolumeAsData: false, state: 'ok' });
  });

  it('refuses an upload below the reserve with a 507 that says how much is free', async () => {
    leaveFree(root, 'ballast-full', 2);
    const full = await health(stack, (h) => h.checks.disk.message.includes('reserve'), 'the reserve to be reached');
    expect(full.checks.disk.message).toMatch(
      /^The data volume has \d(\.\d)? MB free \(below the 4 MB reserve: uploads, trainings and generations are refused until some space is freed\)$/,
    );
    expect(full.disk.volumes.find((v) => v.name === 'data')!.state).toBe('full');

    // Which photos there are (their checks go on in the background, so compare the photos, not their verdicts).
    const ids = async () => (await photosOf(characterId)).map((p) => p.id);
    const before = await ids();
    const refused = await upload<ApiErrorBody>(stack, characterId, [{ filename: 'four.jpg', data: await photoJpeg(800, 600, { seed: 65 }) }], {
      signal: AbortSignal.timeout(20_000),
    });
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe('disk_full');
    expect(refused.body.error.message).toMatch(refusal);
    expect(await ids()).toEqual(before);
  });

  it('refuses a training and a generation below the reserve with the same 507, starting nothing', async () => {
    const training = await request<ApiErrorBody>(stack, `/api/characters/${characterId}/trainings`, { method: 'POST', body: { preset: 'quick' } });
    expect(training.status).toBe(507);
    expect(training.body.error.code).toBe('disk_full');
    expect(training.body.error.message).toMatch(refusal);
    const generation = await request<ApiErrorBody>(stack, '/api/generations', {
      method: 'POST',
      body: { prompt: 'no room for it', seed: 4, steps: 2, aspect: 'square' },
    });
    expect(generation.status).toBe(507);
    expect(generation.body.error).toMatchObject({ code: 'disk_full', message: expect.stringMatching(refusal) });
    expect((await request<{ items: unknown[] }>(stack, `/api/characters/${characterId}/trainings`)).body.items).toEqual([]);
    expect((await request<{ items: unknown[] }>(stack, '/api/generations')).body.items).toEqual([]);
  });

  it('is healthy again once space is freed, and uploads work', async () => {
    rmSync(path.join(root, 'ballast-full'));
    rmSync(path.join(root, 'ballast-low'));
    const ok = await health(stack, (h) => h.status === 'ok', 'health to be ok again');
    expect(ok.checks.disk.ok).toBe(true);
    expect(ok.checks.disk.message).toMatch(/^The data volume has \d+ MB free of 16 MB; the log volume has .+ free of .+$/);

    const again = await upload<UploadPhotosResult>(stack, characterId, [{ filename: 'five.jpg', data: await photoJpeg(800, 600, { seed: 66 }) }]);
    expect(again.status).toBe(201);
    expect(again.body.accepted.map((p) => p.originalName)).toEqual(['five.jpg']);
  });
});

/**
 * `npm start` with its whole data root on a small tmpfs: the embedded database (PGlite) and the Temporal dev server's
 * SQLite share the full volume. Every write answers a 507 in plain words, nothing crashes or restarts, and the same
 * processes work again the moment space is freed.
 */
describe('the whole data root full under the all-in-one', () => {
  const instance = new AllInOneInstance();
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'isengard-full-root-'));
  const createCharacter = (name: string, notes = '') =>
    fetch(`${instance.url}/api/characters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, notes }) });
  const healthNow = async () => healthSchema.parse(await (await fetch(`${instance.url}/api/health`)).json());

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', dataRoot]);
    await instance.prepare({ DATA_DIR: dataRoot, DISK_LOW_FREE_MB: '16', DISK_RESERVE_MB: '8' });
    await instance.start();
  }, 180_000);
  afterAll(() => {
    instance.cleanup();
    execFileSync('umount', ['-l', dataRoot]);
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('answers writes with a 507 once the database finds no space, says degraded, and is itself again once space is freed', async () => {
    const before = await createCharacter('Before Full');
    expect(before.status).toBe(201);
    const beforeId = ((await before.json()) as Character).id;
    fillUp(path.join(dataRoot, 'ballast'));

    // The database's files have some room of their own: writes go on until it needs a new page, then each is a 507,
    // never a 500 or a hang.
    const answers: number[] = [];
    let refused: ApiErrorBody | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await createCharacter(`While Full ${i}`, 'n'.repeat(2_000));
      answers.push(res.status);
      if (res.status === 507) refused = (await res.json()) as ApiErrorBody;
    }
    expect(answers.filter((status) => status !== 201 && status !== 507)).toEqual([]);
    expect(refused?.error.message).toMatch(/^The disk is full/);
    // Health runs its checks at most once a second: the answer may be from just before the volume filled.
    const full = await eventually(async () => {
      const h = await healthNow();
      return h.checks.disk.ok ? undefined : h;
    }, 30_000);
    expect(full.status).toBe('degraded');
    expect(full.checks.disk.ok).toBe(false);
    expect(full.checks.database.ok).toBe(true);
    expect(full.checks.temporal.ok).toBe(true);

    rmSync(path.join(dataRoot, 'ballast'));
    await eventually(async () => ((await healthNow()).status === 'ok' ? true : undefined), 30_000);
    const after = await createCharacter('After Full');
    expect(after.status).toBe(201);
    for (const [id, name] of [[beforeId, 'Before Full'], [((await after.json()) as Character).id, 'After Full']] as const) {
      expect(((await (await fetch(`${instance.url}/api/characters/${id}`)).json()) as Character).name).toBe(name);
    }
    const crashes = (['api', 'worker', 'temporal'] as const).flatMap((service) => instance.logLines(service).filter((l) => l.event === 'process.crashed'));
    expect(crashes).toEqual([]);
  });
});
