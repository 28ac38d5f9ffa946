import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPhoto } from '../../lib/images/decode';
import { detectPhotoType } from '../../lib/images/detect-type';
import { perceptualHash } from '../../lib/images/phash';
import { toGrey } from '../../lib/images/pixels';
import { analysisCopy } from '../../lib/images/prepare';
import { laplacianVariance } from '../../lib/images/sharpness';

/** Sharpness and perceptual hash of an image, measured exactly as intake measures them. */
export async function measure(image: Buffer): Promise<{ sharpness: number; phash: string }> {
  const detected = detectPhotoType(image.subarray(0, 512));
  if (!('format' in detected)) throw new Error(detected.rejection);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-measure-'));
  try {
    const file = path.join(dir, 'image');
    writeFileSync(file, image);
    const grey = toGrey(await analysisCopy(await openPhoto(file, detected.format)));
    return { sharpness: laplacianVariance(grey), phash: perceptualHash(grey) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
