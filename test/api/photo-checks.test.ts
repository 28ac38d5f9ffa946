import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingRuns } from '../../db/schema';
import { FACE_BLUR_THRESHOLD } from '../../lib/images/sharpness';
import { isGoodPhoto, type Photo, type UploadPhotosResult } from '../../lib/contracts/photos';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import type { TrainingRun } from '../../lib/contracts/training';
import { PHOTO_CHECK_THRESHOLDS } from '../../api/photo-checks/thresholds';
import { groupPhoto, personPhoto } from '../helpers/faces';
import { request } from '../helpers/http';
import { upload } from '../helpers/multipart';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

/** Portraits of 512 × 640: the short side is the least intake accepts as big enough, and face-api stays quick. */
const PORTRAIT = { width: 512, height: 640 };

/** A generated landscape: sky, hills, a lake, and no one. */
function landscape(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="768" height="512">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b78c4"/><stop offset="1" stop-color="#cfe3f5"/></linearGradient></defs>
    <rect width="768" height="512" fill="url(#sky)"/>
    <circle cx="610" cy="110" r="46" fill="#fff3b0"/>
    <path d="M0 330 L140 210 L260 300 L400 170 L560 290 L768 200 L768 512 L0 512 Z" fill="#4f6b3a"/>
    <path d="M0 400 Q200 360 380 410 T768 390 L768 512 L0 512 Z" fill="#2f5d7c"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** A portrait shrunk to a thumbnail in the middle of a large plain canvas: one face, far too small to train on. */
async function tinyFace(): Promise<Buffer> {
  const portrait = await sharp(await personPhoto('ada', 8, { ...PORTRAIT, zoom: 2.4 })).resize(150).toBuffer();
  return sharp({ create: { width: 1024, height: 1024, channels: 3, background: { r: 150, g: 160, b: 170 } } })
    .composite([{ input: portrait, left: 437, top: 418 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A phone photo (3000 × 4000) of the person far from the camera: a face of about 40 px once scaled to the training
 * size, too small for the detector to see in the whole photo, found by looking closer.
 */
async function farAway(): Promise<Buffer> {
  const portrait = await sharp(await personPhoto('ada', 1, { zoom: 2.5 })).resize(262).toBuffer();
  return sharp({ create: { width: 3000, height: 4000, channels: 3, background: { r: 120, g: 140, b: 110 } } })
    .composite([{ input: portrait, left: 1300, top: 1500 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('photo checks with real faces (through the API)', () => {
  let stack: TestStack;
  let characterId: string;
  const files: Record<string, Buffer> = {};
  const ids: Record<string, string> = {};

  const photosNow = async () =>
    (await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`)).body.items;
  const checked = () =>
    eventually(async () => {
      const items = await photosNow();
      return items.every((p) => p.analysis === 'done') ? new Map(items.map((p) => [p.originalName, p])) : undefined;
    }, 90_000, 'every photo checked');

  beforeAll(async () => {
    stack = await startTestStack();
    const character = await request<{ id: string }>(stack, '/api/characters', { method: 'POST', body: { name: 'Ada Checks' } });
    characterId = character.body.id;
    for (let variant = 0; variant < 5; variant++) files[`ada-${variant}.jpg`] = await personPhoto('ada', variant, PORTRAIT);
    files['stranger.jpg'] = await personPhoto('grace', 0, PORTRAIT);
    files['ada-0 copy.jpg'] = files['ada-0.jpg']!;
    files['ada-0 reencoded.jpg'] = await sharp(files['ada-0.jpg']!).jpeg({ quality: 60 }).toBuffer();
    files['ada-5 another crop.jpg'] = await personPhoto('ada', 5, PORTRAIT);
    files['ada blurred.jpg'] = await personPhoto('ada', 6, { ...PORTRAIT, blur: 2.5 });
    files['ada tiny.jpg'] = await tinyFace();
    files['ada far away.jpg'] = await farAway();
    files['group.jpg'] = await groupPhoto(1024);
    files['landscape.jpg'] = await landscape();
    const res = await upload<UploadPhotosResult>(
      stack,
      characterId,
      Object.entries(files).map(([filename, data]) => ({ filename, data })),
    );
    expect(res.status).toBe(201);
    expect(res.body.rejected).toEqual([]);
    for (const photo of res.body.accepted) ids[photo.originalName] = photo.id;
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers the upload at once, every photo still to be checked', async () => {
    const items = await photosNow();
    expect(items).toHaveLength(Object.keys(files).length);
    // Some may already be checked; none is good before it is.
    for (const photo of items) if (photo.analysis === 'pending') expect(isGoodPhoto(photo)).toBe(false);
  });

  it('gives every photo its verdicts, each with what was measured', async () => {
    const photos = await checked();
    const checks = (name: string) => photos.get(name)!.checks;

    // The set of one person: good, nobody else flagged as another person.
    for (const name of ['ada-0.jpg', 'ada-1.jpg', 'ada-2.jpg', 'ada-3.jpg', 'ada-4.jpg', 'ada-5 another crop.jpg']) {
      const photo = photos.get(name)!;
      expect(photo.checks, name).toMatchObject({
        noFace: { faces: 1, failed: false },
        severalPeople: { count: 1, failed: false },
        faceTooSmall: { failed: false },
        blurry: { failed: false, region: 'face' },
        duplicate: null,
        differentPerson: { failed: false },
      });
      expect(isGoodPhoto(photo), name).toBe(true);
    }
    // The other person is the least alike, clearly apart.
    const stranger = checks('stranger.jpg').differentPerson!;
    expect(stranger).toMatchObject({ rank: 1, failed: true });
    expect(stranger.similarity).toBeLessThan(0.935);
    expect(stranger.typical - stranger.similarity).toBeGreaterThanOrEqual(PHOTO_CHECK_THRESHOLDS.apartBy);

    // Copies of one shot are duplicates; another crop of the same face is not (checked above).
    expect(checks('ada-0 copy.jpg').duplicate).toEqual({ ofPhotoId: ids['ada-0.jpg'], distance: 0, exact: true });
    const reencoded = checks('ada-0 reencoded.jpg').duplicate!;
    expect(reencoded).toMatchObject({ ofPhotoId: ids['ada-0.jpg'], exact: false });
    expect(reencoded.faceSimilarity).toBeGreaterThan(0.985);

    expect(checks('ada blurred.jpg').blurry).toMatchObject({ threshold: FACE_BLUR_THRESHOLD, failed: true, region: 'face' });
    expect(checks('ada blurred.jpg').blurry!.sharpness).toBeLessThan(FACE_BLUR_THRESHOLD);

    const tiny = checks('ada tiny.jpg').faceTooSmall!;
    expect(tiny).toMatchObject({ minimum: PHOTO_CHECK_THRESHOLDS.minFaceSize, trainingSize: 1024, failed: true });
    expect(tiny.faceSize).toBeLessThan(PHOTO_CHECK_THRESHOLDS.minFaceSize);
    // A face too small to be seen in the whole photo is still a face: "too small", with its size, not "no face".
    expect(checks('ada far away.jpg').noFace).toEqual({ faces: 1, failed: false });
    const far = checks('ada far away.jpg').faceTooSmall!;
    expect(far).toMatchObject({ minimum: PHOTO_CHECK_THRESHOLDS.minFaceSize, failed: true });
    expect(far.faceSize).toBeLessThan(60);

    expect(checks('group.jpg').severalPeople).toEqual({ count: 3, failed: true });
    expect(checks('landscape.jpg').noFace).toEqual({ faces: 0, failed: true });
    for (const name of ['stranger.jpg', 'ada-0 copy.jpg', 'ada-0 reencoded.jpg', 'ada blurred.jpg', 'ada tiny.jpg', 'ada far away.jpg', 'group.jpg', 'landscape.jpg']) {
      expect(isGoodPhoto(photos.get(name)!), name).toBe(false);
    }
  });

  it('keeps a flagged photo anyway (and undoes it), counting it good and training with it', async () => {
    await checked();
    const id = ids['ada blurred.jpg']!;
    const kept = await request<Photo>(stack, `/api/photos/${id}`, { method: 'PATCH', body: { keepAnyway: true } });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ keptAnyway: true, checks: { blurry: { failed: true } } });
    expect(isGoodPhoto(kept.body)).toBe(true);
    const undone = await request<Photo>(stack, `/api/photos/${id}`, { method: 'PATCH', body: { keepAnyway: false } });
    expect(undone.body.keptAnyway).toBe(false);
    expect(isGoodPhoto(undone.body)).toBe(false);
    await request<Photo>(stack, `/api/photos/${id}`, { method: 'PATCH', body: { keepAnyway: true } });
    const bad = await request(stack, `/api/photos/${id}`, { method: 'PATCH', body: { keepAnyway: 'yes' } });
    expect(bad.status).toBe(400);

    // The dataset takes the good photos and the one kept anyway, nothing flagged (7 of them: fewer than recommended).
    const run = await request<TrainingRun>(stack, `/api/characters/${characterId}/trainings`, {
      method: 'POST',
      body: { preset: 'quick', advanced: { steps: 100, saveEvery: 50, sampleEvery: 50 }, confirmFewPhotos: true },
    });
    expect(run.status).toBe(202);
    const photoIds = await eventually(async () => {
      const [row] = await stack.db.db.select().from(trainingRuns).where(eq(trainingRuns.id, run.body.id));
      return row?.photoIds ?? undefined;
    }, 30_000, 'the dataset');
    const good = ['ada-0.jpg', 'ada-1.jpg', 'ada-2.jpg', 'ada-3.jpg', 'ada-4.jpg', 'ada-5 another crop.jpg', 'ada blurred.jpg'];
    expect([...(photoIds as string[])].sort()).toEqual(good.map((name) => ids[name]!).sort());
  });

  it('refuses to start a training, saying why, when no photo is marked for training', async () => {
    const other = await request<{ id: string }>(stack, '/api/characters', { method: 'POST', body: { name: 'Nobody Here' } });
    await upload<UploadPhotosResult>(stack, other.body.id, [{ filename: 'landscape.jpg', data: files['landscape.jpg']! }]);
    await eventually(async () => {
      const { body } = await request<{ items: Photo[] }>(stack, `/api/characters/${other.body.id}/photos`);
      return body.items[0]?.analysis === 'done' ? true : undefined;
    }, 30_000, 'the landscape checked');
    const refused = await request<ApiErrorBody>(stack, `/api/characters/${other.body.id}/trainings`, {
      method: 'POST',
      body: { preset: 'quick', advanced: { steps: 100, saveEvery: 50, sampleEvery: 50 }, confirmFewPhotos: true },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe(
      'Nobody Here has no photo marked for training: all 1 have warnings. Upload better photos, or choose "Keep anyway" on those you want to train with, then start the training.',
    );
  });

  it('checks the set again when the odd one out is deleted', async () => {
    await checked();
    const stranger = ids['stranger.jpg']!;
    expect((await request(stack, `/api/photos/${stranger}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(async () => {
      const items = await photosNow();
      const verdicts = items.filter((p) => p.checks.differentPerson).map((p) => p.checks.differentPerson!);
      // One fewer photo to compare with, and nobody left apart.
      return verdicts.length > 0 && verdicts.every((v) => !v.failed && v.comparedWith === verdicts.length - 1) ? true : undefined;
    }, 30_000, 'the set checked again');
  });
});
