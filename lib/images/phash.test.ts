import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { photoJpeg } from '../../test/helpers/images';
import { measure } from '../../test/helpers/measure';
import { findDuplicate, hammingDistance, NEAR_DUPLICATE_DISTANCE, perceptualHash } from './phash';

const hashOf = async (image: Buffer) => (await measure(image)).phash;

describe('perceptual hash', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  });

  it('is 16 hex characters, the same for the same picture', async () => {
    const image = await photoJpeg(800, 600, { seed: 11 });
    const hash = await hashOf(image);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf(image)).toBe(hash);
    expect(perceptualHash({ data: new Uint8Array(64).fill(128), width: 8, height: 8, channels: 1 })).toMatch(/^[0-9a-f]{16}$/);
  });

  // The calibration of NEAR_DUPLICATE_DISTANCE, kept as evidence.
  it.each([1, 2, 3, 4])('keeps edited copies of photo %i within the threshold, and other pictures far outside it', async (seed) => {
    const original = await photoJpeg(1200, 900, { seed });
    const hash = await hashOf(original);
    const copies = {
      'JPEG quality 30': await sharp(original).jpeg({ quality: 30 }).toBuffer(),
      'JPEG quality 95': await sharp(original).jpeg({ quality: 95 }).toBuffer(),
      'a quarter of the size': await sharp(original).resize(300).jpeg({ quality: 70 }).toBuffer(),
      'as PNG': await sharp(original).png().toBuffer(),
      '10% brighter': await sharp(original).modulate({ brightness: 1.1 }).jpeg().toBuffer(),
      'more contrast': await sharp(original).linear(1.2, -20).jpeg().toBuffer(),
      'blurred': await sharp(original).blur(3).jpeg().toBuffer(),
    };
    for (const [edit, copy] of Object.entries(copies)) {
      expect(hammingDistance(hash, await hashOf(copy)), edit).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE - 2);
    }
    const others = {
      mirrored: await sharp(original).flop().jpeg().toBuffer(),
      'cropped by 25%': await sharp(original).extract({ left: 150, top: 112, width: 900, height: 675 }).jpeg().toBuffer(),
      'another photo': await photoJpeg(1200, 900, { seed: seed + 100 }),
    };
    for (const [edit, other] of Object.entries(others)) {
      expect(hammingDistance(hash, await hashOf(other)), edit).toBeGreaterThanOrEqual(NEAR_DUPLICATE_DISTANCE + 8);
    }
  });

  it('keeps 30 distinct photos well apart from each other', async () => {
    const hashes = await Promise.all(Array.from({ length: 30 }, (_, i) => photoJpeg(480, 360, { seed: 200 + i }).then(hashOf)));
    let closest = 64;
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) closest = Math.min(closest, hammingDistance(hashes[i]!, hashes[j]!));
    }
    expect(closest).toBeGreaterThanOrEqual(NEAR_DUPLICATE_DISTANCE + 4);
  });
});

describe('findDuplicate', () => {
  const a = { id: 'a', sha256: 'aa', phash: '0000000000000000' };
  const b = { id: 'b', sha256: 'bb', phash: '00000000000000ff' };

  it('prefers the same bytes, then the nearest hash within the threshold', () => {
    expect(findDuplicate({ sha256: 'bb', phash: '0000000000000000' }, [a, b])).toEqual({ ofPhotoId: 'b', distance: 0, exact: true });
    expect(findDuplicate({ sha256: 'cc', phash: '000000000000000f' }, [a, b])).toEqual({ ofPhotoId: 'a', distance: 4, exact: false });
    expect(findDuplicate({ sha256: 'cc', phash: '00000000000000ff' }, [a, b])).toEqual({ ofPhotoId: 'b', distance: 0, exact: false });
    expect(findDuplicate({ sha256: 'cc', phash: '00000000000003ff' }, [a, b])).toEqual({ ofPhotoId: 'b', distance: 2, exact: false });
  });

  it('finds none beyond the threshold, or among photos without a hash', () => {
    expect(findDuplicate({ sha256: 'cc', phash: 'ffffffffffff0000' }, [a, b])).toBeNull();
    expect(findDuplicate({ sha256: 'cc', phash: '0000000000000000' }, [{ id: 'x', sha256: 'xx', phash: null }])).toBeNull();
    expect(findDuplicate({ sha256: 'cc', phash: '0000000000000000' }, [])).toBeNull();
  });
});
