import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { photoJpeg, photoLike } from '../../test/helpers/images';
import { detectPhotoType, SNIFF_LENGTH } from './detect-type';

const head = (bytes: Buffer | string) => (typeof bytes === 'string' ? Buffer.from(bytes) : bytes).subarray(0, SNIFF_LENGTH);
const ftyp = (major: string, ...compatible: string[]) => {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
  return Buffer.concat([box, Buffer.alloc(64)]);
};
const ACCEPTED = 'use JPEG, PNG, WebP or HEIC';

describe('detectPhotoType', () => {
  it('recognises the accepted formats by their content', async () => {
    const small = photoLike(64, 48);
    expect(detectPhotoType(head(await photoJpeg(64, 48)))).toEqual({ format: 'jpeg' });
    expect(detectPhotoType(head(await small.clone().png().toBuffer()))).toEqual({ format: 'png' });
    expect(detectPhotoType(head(await small.clone().webp().toBuffer()))).toEqual({ format: 'webp' });
    const heic = readFileSync(new URL('../../test/fixtures/photos/upright.heic', import.meta.url));
    expect(detectPhotoType(head(heic))).toEqual({ format: 'heic' });
  });

  it('takes every HEIC/HEIF brand, major or compatible, and tells AVIF and videos apart', () => {
    for (const brand of ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']) {
      expect(detectPhotoType(ftyp(brand)), brand).toEqual({ format: 'heic' });
    }
    expect(detectPhotoType(ftyp('mif1', 'miaf', 'heic'))).toEqual({ format: 'heic' });
    expect(detectPhotoType(ftyp('avif', 'mif1', 'miaf'))).toEqual({ rejection: `AVIF images are not accepted: ${ACCEPTED}` });
    expect(detectPhotoType(ftyp('mif1', 'avif'))).toEqual({ rejection: `AVIF images are not accepted: ${ACCEPTED}` });
    expect(detectPhotoType(ftyp('isom', 'iso2', 'mp41'))).toEqual({ rejection: 'This file is not a photo: it looks like a video' });
    expect(detectPhotoType(ftyp('qt  '))).toEqual({ rejection: 'This file is not a photo: it looks like a video' });
    expect(detectPhotoType(ftyp('M4A ', 'isom'))).toEqual({ rejection: 'This file is not a photo: it looks like an audio file' });
  });

  it('names other image formats it refuses', async () => {
    const small = photoLike(64, 48);
    const cases: Array<[Buffer, string]> = [
      [await small.clone().gif().toBuffer(), 'GIF images'],
      [await small.clone().tiff().toBuffer(), 'TIFF and camera RAW files'],
      [await small.clone().avif().toBuffer(), 'AVIF images'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 'SVG images'],
      [Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'SVG images'],
      [Buffer.concat([Buffer.from('BM'), Buffer.alloc(12), Buffer.from([40, 0, 0, 0]), Buffer.alloc(40)]), 'BMP images'],
      [Buffer.from('8BPS\0\x01'), 'Photoshop files'],
    ];
    for (const [bytes, kind] of cases) {
      expect(detectPhotoType(head(bytes)), kind).toEqual({ rejection: `${kind} are not accepted: ${ACCEPTED}` });
    }
  });

  it('says what a file that is not a photo looks like, whatever its name', () => {
    const cases: Array<[Buffer | string, string]> = [
      ['Dear diary, today I uploaded the wrong file.\n', 'a text file'],
      ['{"name": "Ada"}', 'a text file'],
      [Buffer.from('Zoë 🎨 — notes in UTF-8, cut inside a character: é').subarray(0, -1), 'a text file'],
      ['MZ is how this note starts', 'a text file'],
      ['<!DOCTYPE html><html><body>hi</body></html>', 'a web page'],
      ['%PDF-1.7\n%\xe2\xe3\xcf\xd3', 'a PDF document'],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), 'a ZIP archive or an office document'],
      [Buffer.from([0x1f, 0x8b, 0x08, 0]), 'a compressed archive'],
      [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 'a program'],
      [Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0, 3, 0, 0, 0, 4, 0])]), 'a program'],
      [Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]), 'an audio file'],
      [Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'a video'],
    ];
    for (const [bytes, what] of cases) {
      expect(detectPhotoType(head(bytes)), what).toEqual({ rejection: `This file is not a photo: it looks like ${what}` });
    }
  });

  it('refuses empty files and unknown binary data', () => {
    expect(detectPhotoType(Buffer.alloc(0))).toEqual({ rejection: 'This file is empty' });
    const noise = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7919 + 13) % 256));
    expect(detectPhotoType(noise)).toEqual({ rejection: `This file is not a photo in a format we can read: ${ACCEPTED}` });
    // A JPEG signature cut short is not a JPEG.
    expect(detectPhotoType(Buffer.from([0xff, 0xd8]))).toEqual({
      rejection: `This file is not a photo in a format we can read: ${ACCEPTED}`,
    });
  });
});
