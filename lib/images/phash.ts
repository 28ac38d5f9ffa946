import { toGrey, type Pixels } from './pixels';
import { SHARPNESS_SIZE } from './sharpness';
import { loadSharp } from './sharp';

/**
 * Perceptual hash (pHash, as the imagehash library computes it): average the grey picture down to 32×32, take the
 * 8×8 lowest frequencies of its discrete cosine transform, and set a bit for each one above their median. The
 * coarse structure it keeps survives re-encoding, resizing, blur and small colour changes; a different picture
 * flips about half of the 64 bits.
 */
const GRID = 32;
const FREQUENCIES = 8;

/**
 * Hashes at most this many bits apart are the same picture. (Hash bits are set for 32 of the 64 coefficients, so
 * distances are even.) Calibrated on generated photos (phash.test.ts keeps the evidence): re-encoding at JPEG
 * quality 30–95, resizing to a quarter, PNG, blur and ±10–20% brightness or contrast stay within 0–6 bits; a 2%
 * trim 0–8, a greyscale copy 2–12. Distinct generated photos, which share a layout (sky, ground, corner marks),
 * come no closer than 12, a mirrored copy or a 25% crop no closer than 18. 8 keeps those sets apart and leaves
 * different poses from one photo session as separate photos.
 *
 * On real portraits (face-api's demo photos, 400 px crops) a copy of the same shot re-encoded at JPEG 60, resized,
 * a 3% trim, a colour or greyscale copy hash 0–6 apart, an 8% trim 8–12; another framing of the same face (tighter,
 * wider, shifted, mirrored, turned 8°) 16–34. Photos of one session share background and framing, so two poses can
 * still hash within 8: a photo is only called a duplicate when, besides, the faces are near-identical
 * (api/photo-checks/set-checks.ts: copies within 8 bits 0.988–0.999, two photos of one person 0.965 ± 0.011).
 */
export const NEAR_DUPLICATE_DISTANCE = 8;

/** The mean of each cell of a `size` × `size` grid laid over a grey picture (a box filter). */
function cellMeans(grey: Pixels, size: number): Float64Array {
  const means = new Float64Array(size * size);
  for (let cy = 0; cy < size; cy++) {
    const y0 = Math.floor((cy * grey.height) / size);
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * grey.height) / size));
    for (let cx = 0; cx < size; cx++) {
      const x0 = Math.floor((cx * grey.width) / size);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * grey.width) / size));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) sum += grey.data[y * grey.width + x]!;
      }
      means[cy * size + cx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return means;
}

const COSINES = Array.from({ length: FREQUENCIES }, (_, u) =>
  Float64Array.from({ length: GRID }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * GRID))),
);

/** The 64-bit perceptual hash of a grey picture, as 16 hex characters. */
export function perceptualHash(grey: Pixels): string {
  if (grey.channels !== 1) throw new Error('perceptualHash needs a grey picture');
  if (grey.width < 1 || grey.height < 1) throw new Error('perceptualHash needs a picture with pixels');
  const cells = cellMeans(grey, GRID);
  // Rows first, then columns (the 2-D DCT is separable): 8 × 32 row sums, then 8 × 8 coefficients.
  const rows = new Float64Array(FREQUENCIES * GRID);
  for (let u = 0; u < FREQUENCIES; u++) {
    for (let y = 0; y < GRID; y++) {
      let s = 0;
      for (let x = 0; x < GRID; x++) s += cells[y * GRID + x]! * COSINES[u]![x]!;
      rows[u * GRID + y] = s;
    }
  }
  const coefficients: number[] = [];
  for (let v = 0; v < FREQUENCIES; v++) {
    for (let u = 0; u < FREQUENCIES; u++) {
      let s = 0;
      for (let y = 0; y < GRID; y++) s += rows[u * GRID + y]! * COSINES[v]![y]!;
      coefficients.push(s);
    }
  }
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hash = 0n;
  for (const c of coefficients) hash = (hash << 1n) | (c > median ? 1n : 0n);
  return hash.toString(16).padStart(16, '0');
}

/** How many of the 64 bits differ between two hashes. */
export function hammingDistance(a: string, b: string): number {
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}

export interface Fingerprint {
  id: string;
  sha256: string;
  phash: string | null;
}

export interface Duplicate {
  ofPhotoId: string;
  distance: number;
  exact: boolean;
  /** When both photos show a face: how alike the faces are (a copy's is near-identical). */
  faceSimilarity?: number;
}

/**
 * The photo among `others` that `candidate` duplicates: one with the same bytes first, else the nearest
 * perceptual hash within {@link NEAR_DUPLICATE_DISTANCE}. Null when it duplicates none.
 */
export function findDuplicate(
  candidate: { sha256: string; phash: string },
  others: readonly Fingerprint[],
): Duplicate | null {
  const same = others.find((o) => o.sha256 === candidate.sha256);
  if (same) return { ofPhotoId: same.id, distance: 0, exact: true };
  let nearest: Duplicate | null = null;
  for (const other of others) {
    if (!other.phash) continue;
    const distance = hammingDistance(other.phash, candidate.phash);
    if (distance <= NEAR_DUPLICATE_DISTANCE && (!nearest || distance < nearest.distance)) {
      nearest = { ofPhotoId: other.id, distance, exact: false };
    }
  }
  return nearest;
}

/**
 * An encoded picture (a generated image, a sample) as the grey copy its hash is computed from: upright and shrunk as
 * photo intake shrinks a photo (`analysisCopy` in ./prepare.ts), so the hashes of the two compare.
 */
export async function greyForHash(image: Buffer): Promise<Pixels> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image)
    .rotate()
    .resize(SHARPNESS_SIZE, SHARPNESS_SIZE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toGrey({ data, width: info.width, height: info.height, channels: info.channels });
}
