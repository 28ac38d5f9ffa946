import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { colourAt, markerAt, photoJpeg, photoLike, pngBomb } from '../../test/helpers/images';
import { detectPhotoType } from './detect-type';
import { openPhoto } from './decode';
import { analysisCopy, isLargeDecode, largeDecodesAtOnce, LARGE_DECODE_PIXELS, preparePhoto } from './prepare';
import { PhotoRejectedError } from './rejection';

const dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEIC = readFileSync(new URL('../../test/fixtures/photos/upright.heic', import.meta.url));
const TRUNCATED = 'This photo is damaged or incomplete (the file ends too early). Try exporting it again.';

let n = 0;
async function prepare(bytes: Buffer) {
  const detected = detectPhotoType(bytes.subarray(0, 512));
  if (!('format' in detected)) throw new Error(detected.rejection);
  const name = `p${n++}`;
  const file = path.join(dir, `${name}.upload`);
  writeFileSync(file, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return preparePhoto(
    { path: file, format: detected.format, sizeBytes: bytes.length, sha256 },
    { imagePath: (ext) => path.join(dir, `${name}.${ext}`), thumbnailPath: path.join(dir, `${name}.thumb.webp`) },
  );
}

async function rejection(bytes: Buffer): Promise<string> {
  const err = await prepare(bytes).then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  if (!(err instanceof PhotoRejectedError)) throw err;
  return err.reason;
}

describe('preparePhoto', () => {
  it('keeps upright JPEG, PNG and WebP files byte for byte, with a WebP thumbnail beside them', async () => {
    const image = photoLike(900, 600, 5);
    const encoded = [image.clone().jpeg(), image.clone().png(), image.clone().webp()];
    for (const bytes of await Promise.all(encoded.map((e) => e.toBuffer()))) {
      const prepared = await prepare(bytes);
      expect(readFileSync(prepared.imagePath).equals(bytes)).toBe(true);
      expect(prepared).toMatchObject({ width: 900, height: 600, sizeBytes: bytes.length, orientationFixed: false });
      expect(prepared.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const thumbnail = await sharp(prepared.thumbnailPath).metadata();
      expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['webp', 320, 213]);
    }
  });

  it('turns HEIC into an upright JPEG', async () => {
    const prepared = await prepare(HEIC);
    expect(prepared).toMatchObject({ mimeType: 'image/jpeg', width: 640, height: 480, exifOrientation: 1, orientationFixed: false });
    expect(prepared.imagePath.endsWith('.jpg')).toBe(true);
    const stored = readFileSync(prepared.imagePath);
    expect(prepared.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(markerAt(await colourAt(stored, 0.19, 0.21))).toBe('red'); // the sun, upper left
  });

  it('refuses truncated files of every format', async () => {
    const cut = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const image = photoLike(800, 600, 6);
    expect(await rejection(cut(await image.clone().jpeg().toBuffer()))).toBe(TRUNCATED);
    expect(await rejection(cut(await image.clone().jpeg({ progressive: true }).toBuffer()))).toBe(TRUNCATED);
    expect(await rejection(cut(await image.clone().png().toBuffer()))).toBe(TRUNCATED);
    expect(await rejection(cut(await image.clone().webp().toBuffer()))).toBe(TRUNCATED);
    expect(await rejection(cut(HEIC))).toBe(TRUNCATED);
  });

  it('refuses a JPEG whose data is damaged, but not one with harmless junk after its end', async () => {
    const jpeg = await photoJpeg(800, 600, { seed: 7 });
    const damaged = Buffer.concat([jpeg.subarray(0, 2000), Buffer.alloc(3000, 0x55), jpeg.subarray(5000)]);
    expect(await rejection(damaged)).toBe('This photo is damaged and cannot be read. Try exporting it again.');
    const trailing = Buffer.concat([jpeg, Buffer.from('trailing bytes some phones append')]);
    expect((await prepare(trailing)).width).toBe(800);
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    expect(await rejection(pngBomb(20000, 20000))).toBe('This photo is 400 megapixels; the limit is 50');
    expect(await rejection(pngBomb(7072, 7072))).toBe('This photo is 50.1 megapixels; the limit is 50');
  });

  it('leaves nothing behind when it refuses a file', async () => {
    const before = n;
    await rejection(pngBomb(20000, 20000));
    expect(existsSync(path.join(dir, `p${before}.png`))).toBe(false);
    expect(existsSync(path.join(dir, `p${before}.thumb.webp`))).toBe(false);
  });

  it('keeps a sideways JPEG as uploaded and records its upright size', async () => {
    const bytes = await photoJpeg(1200, 900, { orientation: 6 });
    const prepared = await prepare(bytes);
    expect(prepared).toMatchObject({ width: 900, height: 1200, sizeBytes: bytes.length, exifOrientation: 6, orientationFixed: true });
    expect(readFileSync(prepared.imagePath).equals(bytes)).toBe(true);
    const thumbnail = await sharp(prepared.thumbnailPath).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([240, 320]);
  });

  it('decodes large photos whole one at a time, and only those that must be decoded whole', async () => {
    const at = (width: number, height: number, orientation: number) => ({ width, height, orientation: orientation as 1 | 6 });
    // A JPEG is read at a reduced scale whatever its size; an upright PNG or WebP is shrunk as it is read.
    expect(isLargeDecode('jpeg', at(8000, 6000, 6))).toBe(false);
    expect(isLargeDecode('png', at(8000, 6000, 1))).toBe(false);
    expect(isLargeDecode('webp', at(8000, 6000, 1))).toBe(false);
    // Turned in their pixels, or HEIC (libheif decodes whole): large above the limit.
    expect(isLargeDecode('png', at(2400, 1800, 6))).toBe(true);
    expect(isLargeDecode('webp', at(1000, 800, 6))).toBe(false);
    expect(isLargeDecode('heic', at(4032, 3024, 1))).toBe(true);
    expect(isLargeDecode('heic', at(640, 480, 1))).toBe(false);
    expect(2400 * 1800).toBeGreaterThan(LARGE_DECODE_PIXELS);

    const sideways = await photoLike(2400, 1800, 9).withMetadata({ orientation: 6 }).png({ compressionLevel: 1 }).toBuffer();
    const small = await photoJpeg(900, 600, { seed: 10 });
    const prepared = await Promise.all([prepare(sideways), prepare(small), prepare(sideways), prepare(sideways)]);
    expect(prepared.map((p) => [p.width, p.height])).toEqual([
      [1800, 2400],
      [900, 600],
      [1800, 2400],
      [1800, 2400],
    ]);
    expect(largeDecodesAtOnce()).toBe(1);
  });

  it('decodes a HEIC with a libheif of its own as well as with the shared one', async () => {
    const file = path.join(dir, 'own-decoder.heic');
    writeFileSync(file, HEIC);
    for (const ownDecoder of [true, false]) {
      const source = await openPhoto(file, 'heic', { ownDecoder });
      expect([source.width, source.height]).toEqual([640, 480]);
      const small = await analysisCopy(source);
      expect([small.width, small.height]).toEqual([512, 384]);
    }
  });
});
