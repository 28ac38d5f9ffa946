import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photos } from '../../db/schema';
import type { Character } from '../../lib/contracts/characters';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import {
  DEFAULT_CAPTION,
  isGoodPhoto,
  PHOTO_LIMITS,
  photoListSchema,
  uploadPhotosResultSchema,
  type Photo,
  type UploadPhotosResult,
} from '../../lib/contracts/photos';
import { logFilePath } from '../../lib/logger/logger';
import { testDatabaseKinds } from '../helpers/databases';
import { request } from '../helpers/http';
import { colourAt, corners, markerAt, photoJpeg, photoLike, pngBomb, UPRIGHT_CORNERS } from '../helpers/images';
import { upload, type Part } from '../helpers/multipart';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

const HEIC = readFileSync(new URL('../fixtures/photos/upright.heic', import.meta.url));
const MB = 1024 * 1024;
const ACCEPTED_FORMATS = 'use JPEG, PNG, WebP or HEIC';
const TRUNCATED = 'This photo is damaged or incomplete (the file ends too early). Try exporting it again.';

const file = (filename: string, data: Part['data']): Part => ({ filename, data });

async function fetchBytes(stack: TestStack, url: string) {
  const res = await fetch(`${stack.plane.url}${url}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function logLines(stack: TestStack, event: string): Array<{ correlation_id: string; message: string; context: Record<string, unknown> }> {
  stack.logs.api.flush();
  return readFileSync(logFilePath(stack.config.log.dir, 'api'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line));
}

describe.each(testDatabaseKinds())('photos API (%s)', (kind) => {
  let stack: TestStack;
  const newCharacter = async (name: string) =>
    (await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: `${name} ${kind}` } })).body.id;

  beforeAll(async () => {
    stack = await startTestStack({ db: kind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('a mixed batch', () => {
    let characterId: string;
    let result: UploadPhotosResult;
    let status: number;
    const uploads: Record<string, Buffer> = {};

    beforeAll(async () => {
      characterId = await newCharacter('Ada');
      uploads.portrait = await photoJpeg(1200, 900, { seed: 1 });
      uploads.rotated = await photoJpeg(1200, 900, { seed: 2, orientation: 6 });
      uploads.reencoded = await sharp(uploads.portrait).jpeg({ quality: 70 }).toBuffer();
      uploads.blurry = await photoJpeg(1200, 900, { seed: 3, blur: 6 });
      uploads.small = await photoJpeg(400, 300, { seed: 4 });
      const whole = await photoJpeg(1200, 900, { seed: 5 });
      uploads.cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      uploads.png = await photoLike(1000, 800, 6).png().toBuffer();
      uploads.webp = await photoLike(1000, 800, 7).webp({ quality: 90 }).toBuffer();
      uploads.gif = await photoLike(200, 150, 8).gif().toBuffer();

      const res = await upload<UploadPhotosResult>(
        stack,
        characterId,
        [
          file('portrait.jpg', uploads.portrait),
          file('rotated.jpg', uploads.rotated),
          file('portrait (1).jpg', uploads.portrait),
          file('reencoded.jpg', uploads.reencoded),
          file('blurry.jpg', uploads.blurry),
          file('small.jpg', uploads.small),
          file('cut.jpg', uploads.cut),
          file('photo.jpg', 'These are my notes, not a photo.\n'),
          file('drawing.png', uploads.png),
          file('holiday.webp', uploads.webp),
          file('upright.heic', HEIC),
          file('party.gif', uploads.gif),
          file('bomb.png', pngBomb(20000, 20000)),
          file('empty.jpg', Buffer.alloc(0)),
        ],
        { headers: { 'X-Correlation-ID': `photos-batch-${kind}` } },
      );
      status = res.status;
      result = res.body;
    });

    it('answers 201 with what it accepted and, word for word, why it rejected the rest', () => {
      expect(status).toBe(201);
      expect(uploadPhotosResultSchema.parse(result)).toEqual(result);
      expect(result.accepted.map((p) => p.originalName)).toEqual([
        'portrait.jpg',
        'rotated.jpg',
        'portrait (1).jpg',
        'reencoded.jpg',
        'blurry.jpg',
        'small.jpg',
        'drawing.png',
        'holiday.webp',
        'upright.heic',
      ]);
      expect(result.rejected).toEqual([
        { filename: 'cut.jpg', reason: TRUNCATED },
        { filename: 'photo.jpg', reason: 'This file is not a photo: it looks like a text file' },
        { filename: 'party.gif', reason: `GIF images are not accepted: ${ACCEPTED_FORMATS}` },
        { filename: 'bomb.png', reason: 'This photo is 400 megapixels; the limit is 50' },
        { filename: 'empty.jpg', reason: 'This file is empty' },
      ]);
    });

    it('measures every photo and flags, without refusing, the ones that would train badly', () => {
      const [portrait, rotated, copy, reencoded, blurry, small, png, webp, heic] = result.accepted as [Photo, ...Photo[]];
      expect(portrait).toMatchObject({
        characterId,
        mimeType: 'image/jpeg',
        sizeBytes: uploads.portrait!.length,
        width: 1200,
        height: 900,
        caption: DEFAULT_CAPTION,
        excluded: false,
        keptAnyway: false,
        // The checks that need faces run after the upload has answered.
        analysis: 'pending',
        url: `/api/photos/${portrait.id}/file`,
        thumbnailUrl: `/api/photos/${portrait.id}/thumbnail`,
        checks: {
          orientation: { exif: 1, fixed: false },
          tooSmall: { shortSide: 900, minimum: 512, failed: false },
          duplicate: null,
        },
      });

      expect(rotated).toMatchObject({ width: 900, height: 1200, checks: { orientation: { exif: 6, fixed: true }, duplicate: null } });
      expect(copy!.checks.duplicate).toEqual({ ofPhotoId: portrait.id, distance: 0, exact: true });
      expect(reencoded!.checks.duplicate).toMatchObject({ ofPhotoId: portrait.id, exact: false });
      expect(reencoded!.checks.duplicate!.distance).toBeLessThanOrEqual(8);
      expect(blurry!.checks.blurry).toBeUndefined();
      expect(small!.checks.tooSmall).toEqual({ shortSide: 300, minimum: 512, failed: true });
      expect(png).toMatchObject({ mimeType: 'image/png', width: 1000, height: 800, sizeBytes: uploads.png!.length });
      expect(webp).toMatchObject({ mimeType: 'image/webp', width: 1000, height: 800, sizeBytes: uploads.webp!.length });
      expect(heic).toMatchObject({
        mimeType: 'image/jpeg',
        width: 640,
        height: 480,
        checks: { tooSmall: { shortSide: 480, minimum: 512, failed: true }, duplicate: null },
      });

      // Nothing is good before its faces are checked.
      expect(result.accepted.map((p) => isGoodPhoto(p))).toEqual(result.accepted.map(() => false));
    });

    it('then checks each photo in the background: these generated pictures have no face, and blur is judged on the whole photo', async () => {
      const checked = await eventually(async () => {
        const { body } = await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`);
        return body.items.every((p) => p.analysis === 'done') ? body.items : undefined;
      }, 60_000);
      const byName = new Map(checked.map((p) => [p.originalName, p]));
      for (const photo of checked) {
        expect(photo.checks.noFace).toEqual({ faces: 0, failed: true });
        expect(isGoodPhoto(photo)).toBe(false);
      }
      expect(byName.get('blurry.jpg')!.checks.blurry).toMatchObject({ threshold: 100, failed: true, region: 'photo' });
      expect(byName.get('portrait.jpg')!.checks.blurry).toMatchObject({ threshold: 100, failed: false, region: 'photo' });
      // The set-level check kept the copies: no face to tell them apart, so the hashes decide.
      expect(byName.get('portrait (1).jpg')!.checks.duplicate).toMatchObject({ exact: true });
      expect(byName.get('reencoded.jpg')!.checks.duplicate).toMatchObject({ exact: false });
    });

    it('stores files under uploads/<character>/<photo>, paths relative to the data root, thumbnails beside them', async () => {
      for (const photo of result.accepted) {
        const [row] = await stack.db.db.select().from(photos).where(eq(photos.id, photo.id));
        const extension = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[photo.mimeType];
        expect(row!.filePath).toBe(`uploads/${characterId}/${photo.id}.${extension}`);
        expect(row!.phash).toMatch(/^[0-9a-f]{16}$/);
        expect(statSync(path.join(stack.config.storage.root, row!.filePath)).size).toBe(photo.sizeBytes);
        expect(existsSync(path.join(stack.config.storage.uploads, characterId, `${photo.id}.thumb.webp`))).toBe(true);
      }
      // Nothing left of the rejected files or the temporary copies.
      expect(readdirSync(path.join(stack.config.storage.uploads, characterId))).toHaveLength(2 * result.accepted.length);
      expect(readdirSync(path.join(stack.config.storage.uploads, '.incoming'))).toEqual([]);
    });

    it('serves each photo as stored with its type, caching and nosniff headers, and a WebP thumbnail', async () => {
      const [portrait, rotated] = result.accepted as [Photo, Photo];
      const original = await fetchBytes(stack, portrait.url);
      expect(original.status).toBe(200);
      expect(original.headers.get('content-type')).toBe('image/jpeg');
      expect(original.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
      expect(original.headers.get('x-content-type-options')).toBe('nosniff');
      expect(original.bytes.equals(uploads.portrait!)).toBe(true); // kept as uploaded
      expect(await corners(original.bytes)).toEqual(UPRIGHT_CORNERS);

      // A sideways JPEG is served as uploaded; browsers apply its EXIF orientation when they show it.
      const turned = await fetchBytes(stack, rotated.url);
      expect(turned.bytes.equals(uploads.rotated!)).toBe(true);
      expect((await sharp(turned.bytes).metadata()).orientation).toBe(6);
      const viewed = await sharp(turned.bytes).rotate().png().toBuffer();
      const shown = await sharp(await photoJpeg(1200, 900, { seed: 2 })).rotate(90).png().toBuffer();
      expect(await corners(viewed)).toEqual(await corners(shown));
      expect(await corners(viewed)).toEqual(['white', 'red', 'blue', 'green']);

      const thumbnail = await fetchBytes(stack, rotated.thumbnailUrl);
      expect(thumbnail.headers.get('content-type')).toBe('image/webp');
      expect(thumbnail.headers.get('x-content-type-options')).toBe('nosniff');
      const thumbMeta = await sharp(thumbnail.bytes).metadata();
      expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(['webp', 240, 320]);

      const heic = result.accepted[8]!;
      const converted = await fetchBytes(stack, heic.url);
      expect(converted.headers.get('content-type')).toBe('image/jpeg');
      expect((await sharp(converted.bytes).metadata()).format).toBe('jpeg');
      expect(markerAt(await colourAt(converted.bytes, 0.19, 0.21))).toBe('red'); // the sun, upper left
    });

    it('lists the photos in upload order', async () => {
      const list = await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`);
      expect(list.status).toBe(200);
      // As uploaded, with the checks the background analysis has added since.
      const listed = photoListSchema.parse(list.body).items;
      expect(listed.map(({ checks: _checks, analysis: _analysis, ...rest }) => rest)).toEqual(
        result.accepted.map(({ checks: _checks, analysis: _analysis, ...rest }) => rest),
      );
      expect(listed.map((p) => p.checks)).toEqual(result.accepted.map((p) => expect.objectContaining(p.checks)));
    });

    it('logs each file, accepted or rejected with the reason, under the request correlation id', () => {
      const accepted = logLines(stack, 'photo.accepted').filter((l) => l.correlation_id === `photos-batch-${kind}`);
      const rejected = logLines(stack, 'photo.rejected').filter((l) => l.correlation_id === `photos-batch-${kind}`);
      expect(accepted.map((l) => l.context.photoId)).toEqual(result.accepted.map((p) => p.id));
      expect(rejected.map((l) => [l.context.filename, l.context.reason])).toEqual(
        expect.arrayContaining(result.rejected.map((r) => [r.filename, r.reason])),
      );
      expect(rejected).toHaveLength(result.rejected.length);
    });

    it('flags a photo uploaded again later as an exact duplicate of the first', async () => {
      const again = await upload<UploadPhotosResult>(stack, characterId, [file('IMG_0001.JPG', uploads.portrait!)]);
      expect(again.status).toBe(201);
      expect(again.body.accepted[0]!.checks.duplicate).toEqual({ ofPhotoId: result.accepted[0]!.id, distance: 0, exact: true });
    });
  });

  it('refuses a file over 30 MB on its own, without keeping it, and still takes the others', async () => {
    const characterId = await newCharacter('Big');
    const size = 42 * MB;
    const header = (await photoJpeg(64, 48)).subarray(0, 600);
    const padding = Buffer.alloc(MB);
    async function* hugeJpeg() {
      yield header;
      for (let sent = header.length; sent < size; sent += padding.length) yield padding.subarray(0, Math.min(MB, size - sent));
    }
    const incoming = path.join(stack.config.storage.uploads, '.incoming');
    let largestTemporary = 0;
    const watch = setInterval(() => {
      for (const name of existsSync(incoming) ? readdirSync(incoming) : []) {
        try {
          largestTemporary = Math.max(largestTemporary, statSync(path.join(incoming, name)).size);
        } catch {
          // removed meanwhile
        }
      }
    }, 5);
    const small = await photoJpeg(800, 600, { seed: 9 });
    const res = await upload<UploadPhotosResult>(stack, characterId, [
      file('IMG_1.jpg', hugeJpeg),
      file('IMG_2.jpg', small),
    ]).finally(() => clearInterval(watch));

    expect(res.status).toBe(201);
    expect(res.body.rejected).toEqual([{ filename: 'IMG_1.jpg', reason: 'IMG_1.jpg is 42 MB; the limit is 30 MB per photo' }]);
    expect(res.body.accepted.map((p) => p.originalName)).toEqual(['IMG_2.jpg']);
    // Streamed to disk as it came (seen growing there), cut off at the limit, and gone afterwards.
    expect(largestTemporary).toBeGreaterThan(0);
    expect(largestTemporary).toBeLessThanOrEqual(PHOTO_LIMITS.maxFileBytes);
    expect(readdirSync(incoming)).toEqual([]);
  });

  it('keeps nothing of an upload that breaks off, and carries on', async () => {
    const characterId = await newCharacter('Abort');
    const incoming = path.join(stack.config.storage.uploads, '.incoming');
    const controller = new AbortController();
    const header = (await photoJpeg(64, 48)).subarray(0, 600);
    async function* stalling() {
      yield header;
      yield Buffer.alloc(2 * MB);
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
    }
    const sending = upload(stack, characterId, [file('a.jpg', stalling)], { signal: controller.signal });
    await eventually(async () => (readdirSync(incoming).length > 0 ? true : undefined), 10_000, 'the temporary file');
    controller.abort();
    await expect(sending).rejects.toThrow();
    await eventually(async () => (readdirSync(incoming).length === 0 ? true : undefined), 10_000, 'the clean-up');
    expect((await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`)).body.items).toEqual([]);

    const next = await upload<UploadPhotosResult>(stack, characterId, [file('b.jpg', await photoJpeg(600, 600, { seed: 41 }))]);
    expect(next.body.accepted).toHaveLength(1);
  });

  it('refuses the files past the 60th of one upload', async () => {
    const characterId = await newCharacter('Many');
    const parts = Array.from({ length: 62 }, (_, i) => file(`note-${i + 1}.jpg`, `note ${i + 1}`));
    const res = await upload<UploadPhotosResult>(stack, characterId, parts);
    expect(res.status).toBe(201);
    expect(res.body.accepted).toEqual([]);
    expect(res.body.rejected).toHaveLength(62);
    expect(res.body.rejected.slice(58)).toEqual([
      { filename: 'note-59.jpg', reason: 'This file is not a photo: it looks like a text file' },
      { filename: 'note-60.jpg', reason: 'This file is not a photo: it looks like a text file' },
      { filename: 'note-61.jpg', reason: 'Only 60 photos can be uploaded at once; upload this one in another batch' },
      { filename: 'note-62.jpg', reason: 'Only 60 photos can be uploaded at once; upload this one in another batch' },
    ]);
  });

  it('takes at most 100 photos per character', async () => {
    const characterId = await newCharacter('Full');
    const photosOf = async (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, async (_, i) => file(`p${from + i}.jpg`, await photoJpeg(96, 72, { seed: 1000 + from + i }))),
      );
    const first = await upload<UploadPhotosResult>(stack, characterId, await photosOf(0, 60));
    expect(first.body.accepted).toHaveLength(60);
    const second = await upload<UploadPhotosResult>(stack, characterId, await photosOf(60, 42));
    expect(second.body.accepted.map((p) => p.originalName)).toEqual(Array.from({ length: 40 }, (_, i) => `p${60 + i}.jpg`));
    expect(second.body.rejected).toEqual([
      { filename: 'p100.jpg', reason: 'This character already has 100 photos, the most allowed' },
      { filename: 'p101.jpg', reason: 'This character already has 100 photos, the most allowed' },
    ]);
    const more = await upload<UploadPhotosResult>(stack, characterId, await photosOf(102, 1));
    expect(more.body.rejected).toEqual([{ filename: 'p102.jpg', reason: 'This character already has 100 photos, the most allowed' }]);

    // Deleting one makes room for one.
    expect((await request(stack, `/api/photos/${first.body.accepted[0]!.id}`, { method: 'DELETE' })).status).toBe(204);
    const room = await upload<UploadPhotosResult>(stack, characterId, await photosOf(103, 2));
    expect(room.body.accepted.map((p) => p.originalName)).toEqual(['p103.jpg']);
    expect(room.body.rejected.map((r) => r.filename)).toEqual(['p104.jpg']);
    expect(readdirSync(path.join(stack.config.storage.uploads, '.incoming'))).toEqual([]);
  });

  it('types files by content, not by name, and shows names only after cleaning them', async () => {
    const characterId = await newCharacter('Names');
    const png = await photoLike(700, 600, 12).png().toBuffer();
    const res = await upload<UploadPhotosResult>(stack, characterId, [
      file('not-really-a.jpg', png),
      file('../../etc/evil\u202Egpj.jpg', await photoJpeg(700, 600, { seed: 13 })),
      file('invoice.pdf.jpg', '%PDF-1.7\n%\u00e2\u00e3\n1 0 obj'),
    ]);
    expect(res.status).toBe(201);
    expect(res.body.accepted.map((p) => [p.originalName, p.mimeType])).toEqual([
      ['not-really-a.jpg', 'image/png'],
      ['evilgpj.jpg', 'image/jpeg'],
    ]);
    expect(res.body.rejected).toEqual([{ filename: 'invoice.pdf.jpg', reason: 'This file is not a photo: it looks like a PDF document' }]);
    const [row] = await stack.db.db.select().from(photos).where(eq(photos.id, res.body.accepted[1]!.id));
    expect(row!.filePath).toBe(`uploads/${characterId}/${row!.id}.jpg`);
  });

  it('edits caption and exclusion, and soft-deletes', async () => {
    const characterId = await newCharacter('Edit');
    const { body } = await upload<UploadPhotosResult>(stack, characterId, [file('a.jpg', await photoJpeg(800, 600, { seed: 21 }))]);
    const photo = body.accepted[0]!;

    const caption = '[trigger] smiling, outdoors';
    const captioned = await request<Photo>(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: { caption } });
    expect(captioned.status).toBe(200);
    expect(captioned.body).toMatchObject({ id: photo.id, caption: '[trigger] smiling, outdoors', excluded: false });
    const excluded = await request<Photo>(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: { excluded: true } });
    expect(excluded.body).toMatchObject({ caption: '[trigger] smiling, outdoors', excluded: true });
    expect(isGoodPhoto(excluded.body)).toBe(false);

    const empty = await request<ApiErrorBody>(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('Invalid request body: Send at least one of: caption, excluded, keepAnyway');
    const long = await request<ApiErrorBody>(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: { caption: 'x'.repeat(1001) } });
    expect(long.body.error.message).toBe('Invalid request body: caption: Caption can be at most 1000 characters');
    const wrong = await request<ApiErrorBody>(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: { excluded: 'yes', url: '/x' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual(
      expect.arrayContaining([{ field: 'excluded', message: 'excluded must be true or false' }]),
    );
    const form = await request(stack, `/api/photos/${photo.id}`, {
      method: 'PATCH',
      raw: 'caption=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);

    expect((await request(stack, `/api/photos/${photo.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(stack, `/api/photos/${photo.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await request(stack, `/api/photos/${photo.id}`, { method: 'PATCH', body: { excluded: false } })).status).toBe(404);
    for (const url of [photo.url, photo.thumbnailUrl]) {
      const gone = await request<ApiErrorBody>(stack, url);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toEqual({ code: 'not_found', message: 'Photo was not found' });
    }
    expect((await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`)).body.items).toEqual([]);
    // Soft delete: the files stay until the character is purged.
    expect(existsSync(path.join(stack.config.storage.uploads, characterId, `${photo.id}.jpg`))).toBe(true);
  });

  it('hides the photos of a deleted character', async () => {
    const characterId = await newCharacter('Gone');
    const { body } = await upload<UploadPhotosResult>(stack, characterId, [file('a.jpg', await photoJpeg(600, 600, { seed: 31 }))]);
    await request(stack, `/api/characters/${characterId}`, { method: 'DELETE' });
    expect((await request(stack, body.accepted[0]!.url)).status).toBe(404);
    expect((await request(stack, `/api/characters/${characterId}/photos`)).status).toBe(404);
  });

  it('answers 415, 400, 404 and 413 with clear messages', async () => {
    const characterId = await newCharacter('Errors');
    const json = await request<ApiErrorBody>(stack, `/api/characters/${characterId}/photos`, { method: 'POST', body: { photos: [] } });
    expect(json.status).toBe(415);
    expect(json.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'Send the photos as multipart/form-data, in the form field "photos"',
    });

    const noFiles = 'No photos were sent: add the files to the form field "photos"';
    for (const parts of [[{ field: 'note', data: 'hello' }], [{ field: 'image', filename: 'a.jpg', data: await photoJpeg(64, 48) }], []]) {
      const res = await upload<ApiErrorBody>(stack, characterId, parts, { buffered: true });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'validation_failed', message: noFiles });
    }

    const unknown = await upload<ApiErrorBody>(stack, '00000000-0000-4000-8000-000000000000', [file('a.jpg', 'x')], { buffered: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: 'not_found', message: 'Character was not found' });
    const missing = await request<ApiErrorBody>(stack, '/api/characters/00000000-0000-4000-8000-000000000000/photos');
    expect(missing.status).toBe(404);

    for (const url of ['/api/characters/123/photos', '/api/photos/..%2F..%2Fetc%2Fpasswd/file', '/api/photos/abc/thumbnail']) {
      const res = await request<ApiErrorBody>(stack, url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toMatch(/^Invalid id: must be a UUID/);
    }
    const unknownPhoto = await request<ApiErrorBody>(stack, '/api/photos/00000000-0000-4000-8000-000000000000/file');
    expect(unknownPhoto.status).toBe(404);

    const malformed = await fetch(`${stack.plane.url}/api/characters/${characterId}/photos`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=abc' },
      body: '--abc\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n\r\nunfinished',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ApiErrorBody).error.message).toBe(
      'The upload was cut off or is not valid multipart/form-data: Unexpected end of form',
    );

    const noBoundary = await request<ApiErrorBody>(stack, `/api/characters/${characterId}/photos`, {
      method: 'POST',
      raw: 'whatever',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body.error.message).toBe('The upload is not valid multipart/form-data: Multipart: Boundary not found');

    // A body announced far over any batch is refused from its headers, before a byte of it is read.
    const tooLarge = await new Promise<{ status: number; body: ApiErrorBody }>((resolve, reject) => {
      const req = http.request(`${stack.plane.url}/api/characters/${characterId}/photos`, {
        method: 'POST',
        headers: {
          'content-type': 'multipart/form-data; boundary=abc',
          'content-length': String(PHOTO_LIMITS.maxFilesPerUpload * PHOTO_LIMITS.maxFileBytes + 2 * MB),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body: JSON.parse(text) as ApiErrorBody });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toEqual({
      code: 'payload_too_large',
      message: 'This upload is larger than 1801 MB, more than any batch of photos needs; send fewer photos at once',
    });
  });
});
