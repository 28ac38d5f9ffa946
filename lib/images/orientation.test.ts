import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { corners, photoLike, UPRIGHT_CORNERS } from '../../test/helpers/images';
import { exifOrientation, needsBaking } from './orientation';
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
    expect(needsBaking(1)).toBe(false);
    expect(needsBaking(6)).toBe(true);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('bakes EXIF orientation %i into upright pixels', async (orientation) => {
    const upright = await photoLike(600, 400, 3).png().toBuffer();
    const camera = await sharp(await storedAs(upright, orientation))
      .withMetadata({ orientation })
      .jpeg({ quality: 95 })
      .toBuffer();
    const file = path.join(dir, `o${orientation}.upload`);
    writeFileSync(file, camera);

    const prepared = await preparePhoto(
      { path: file, format: 'jpeg', sizeBytes: camera.length, sha256: 'unused' },
      { imagePath: (ext) => path.join(dir, `o${orientation}.${ext}`), thumbnailPath: path.join(dir, `o${orientation}.thumb.webp`) },
    );
    expect(prepared).toMatchObject({ width: 600, height: 400, exifOrientation: orientation, orientationFixed: orientation !== 1 });
    const stored = readFileSync(prepared.imagePath);
    expect(await corners(stored)).toEqual(UPRIGHT_CORNERS);
    expect(await corners(readFileSync(prepared.thumbnailPath))).toEqual(UPRIGHT_CORNERS);
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([600, 400, 1]);
    if (orientation === 1) expect(stored.equals(camera)).toBe(true); // kept as uploaded, not re-encoded
  });
});
