import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { corners, photoLike, UPRIGHT_CORNERS } from '../../test/helpers/images';
import { exifOrientation, needsTurning, uprightSize } from './orientation';
import { preparePhoto } from './prepare';

const dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-orientation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * How a camera would store an upright picture under each EXIF orientation: the inverse of what viewers apply.
 * Quarter turns are done in their own pass, so the order of sharp's operations cannot matter.
 */
async function storedAs(upright: Buffer, orientation: number): Promise<Buffer> {
  const turn = async (degrees: number) => sharp(upright).rotate(degrees).png().toBuffer();
  switch (orientation) {
    case 2: return sharp(upright).flop().png().toBuffer();
    case 3: return turn(180);
    case 4: return sharp(upright).flip().png().toBuffer();
    case 5: return sharp(await turn(90)).flop().png().toBuffer(); // transpose
    case 6: return turn(270);
    case 7: return sharp(await turn(90)).flip().png().toBuffer(); // transverse
    case 8: return turn(90);
    default: return upright;
  }
}

describe('orientation', () => {
  it('reads EXIF orientation, treating missing or invalid values as upright', () => {
    expect([undefined, 0, 9, 2.5, 1].map(exifOrientation)).toEqual([1, 1, 1, 1, 1]);
    expect([2, 3, 4, 5, 6, 7, 8].map(exifOrientation)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(needsTurning(1)).toBe(false);
    expect(needsTurning(6)).toBe(true);
  });

  it('gives the upright size: quarter turns (5–8) swap the sides', () => {
    expect([1, 2, 3, 4].map((o) => uprightSize(600, 400, exifOrientation(o)))).toEqual(Array(4).fill({ width: 600, height: 400 }));
    expect([5, 6, 7, 8].map((o) => uprightSize(600, 400, exifOrientation(o)))).toEqual(Array(4).fill({ width: 400, height: 600 }));
  });

  async function prepared(name: string, camera: Buffer, format: 'jpeg' | 'webp') {
    const file = path.join(dir, `${name}.upload`);
    writeFileSync(file, camera);
    return preparePhoto(
      { path: file, format, sizeBytes: camera.length, sha256: 'unused' },
      { imagePath: (ext) => path.join(dir, `${name}.${ext}`), thumbnailPath: path.join(dir, `${name}.thumb.webp`) },
    );
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('keeps a JPEG of EXIF orientation %i as uploaded, measured and thumbnailed upright', async (orientation) => {
    const upright = await photoLike(600, 400, 3).png().toBuffer();
    const camera = await sharp(await storedAs(upright, orientation)).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
    const photo = await prepared(`o${orientation}`, camera, 'jpeg');
    expect(photo).toMatchObject({ width: 600, height: 400, exifOrientation: orientation, orientationFixed: orientation !== 1 });
    const stored = readFileSync(photo.imagePath);
    expect(stored.equals(camera)).toBe(true); // the camera's bytes: no second lossy compression
    // What a viewer or ai-toolkit's exif_transpose shows: the orientation applied to the stored pixels.
    expect(await corners(await sharp(stored).rotate().png().toBuffer())).toEqual(UPRIGHT_CORNERS);
    expect(await corners(readFileSync(photo.thumbnailPath))).toEqual(UPRIGHT_CORNERS);
  });

  it.each([3, 6, 8])('turns the pixels of a WebP of EXIF orientation %i, leaving no orientation to apply twice', async (orientation) => {
    const upright = await photoLike(600, 400, 4).png().toBuffer();
    const camera = await sharp(await storedAs(upright, orientation)).withMetadata({ orientation }).webp({ quality: 95 }).toBuffer();
    expect((await sharp(camera).metadata()).orientation).toBe(orientation);
    const photo = await prepared(`w${orientation}`, camera, 'webp');
    expect(photo).toMatchObject({ width: 600, height: 400, exifOrientation: orientation, orientationFixed: true, mimeType: 'image/webp' });
    const stored = readFileSync(photo.imagePath);
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([600, 400, 1]);
    expect(await corners(stored)).toEqual(UPRIGHT_CORNERS);
  });
});
