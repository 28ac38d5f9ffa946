import sharp, { type Sharp } from 'sharp';
import { deflateSync } from 'node:zlib';

/** Generated test pictures: deterministic, photo-like enough for the checks, made in memory with sharp. */

/** A small seeded generator (mulberry32): the same numbers for the same seed, in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A photo-like RGB picture: a sky-to-ground gradient, a dozen coloured shapes, a fine checkerboard patch and light
 * noise, different for each seed. Its corners are red (top-left), green (top-right), white (bottom-left) and blue
 * (bottom-right), so a test can tell which way up, and which way round, a stored image is.
 */
export function photoLikePixels(width: number, height: number, seed = 1): Buffer {
  const rand = seededRandom(seed);
  const data = Buffer.alloc(width * height * 3);
  const top = [rand() * 255, rand() * 255, 200 + rand() * 55];
  const bottom = [rand() * 120, 60 + rand() * 120, rand() * 80];
  const shapes = Array.from({ length: 12 }, () => ({
    round: rand() < 0.5,
    cx: rand() * width,
    cy: rand() * height,
    r: (0.04 + rand() * 0.12) * Math.min(width, height),
    color: [rand() * 255, rand() * 255, rand() * 255],
  }));
  const board = { x: rand() * width * 0.6 + width * 0.2, y: rand() * height * 0.5 + height * 0.25, size: Math.min(width, height) * 0.15 };
  const cell = Math.max(2, Math.round(Math.min(width, height) / 120));
  const marker = Math.round(Math.min(width, height) * 0.15);
  for (let y = 0; y < height; y++) {
    const t = y / height;
    for (let x = 0; x < width; x++) {
      let c = [0, 1, 2].map((i) => top[i]! * (1 - t) + bottom[i]! * t);
      for (const s of shapes) {
        const inside = s.round
          ? (x - s.cx) ** 2 + (y - s.cy) ** 2 < s.r ** 2
          : Math.abs(x - s.cx) < s.r && Math.abs(y - s.cy) < s.r * 0.6;
        if (inside) c = s.color;
      }
      if (x >= board.x && x < board.x + board.size && y >= board.y && y < board.y + board.size) {
        const v = (Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? 230 : 25;
        c = [v, v, v];
      }
      if (x < marker && y < marker) c = [230, 20, 20];
      if (x >= width - marker && y < marker) c = [20, 200, 20];
      if (x < marker && y >= height - marker) c = [235, 235, 235];
      if (x >= width - marker && y >= height - marker) c = [20, 20, 230];
      const noise = (rand() - 0.5) * 12;
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) data[i + k] = Math.max(0, Math.min(255, Math.round(c[k]! + noise)));
    }
  }
  return data;
}

/** A sharp pipeline over a photo-like picture. */
export function photoLike(width: number, height: number, seed = 1): Sharp {
  return sharp(photoLikePixels(width, height, seed), { raw: { width, height, channels: 3 } });
}

/** A photo-like JPEG, optionally blurred (Gaussian σ in pixels) or carrying an EXIF orientation. */
export async function photoJpeg(
  width: number,
  height: number,
  options: { seed?: number; quality?: number; blur?: number; orientation?: number } = {},
): Promise<Buffer> {
  let image = photoLike(width, height, options.seed);
  if (options.blur) image = sharp(await image.blur(options.blur).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.jpeg({ quality: options.quality ?? 90 }).toBuffer();
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a valid PNG whose header declares `width` × `height` RGB pixels, with a few compressed
 * rows of zeros (a real bomb would carry them all; they compress about 1000:1). A few hundred bytes.
 */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc((width * 3 + 1) * 4))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The colour at a relative position of an image (0..1 on each axis), as [r, g, b]. */
export async function colourAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = Math.min(info.width - 1, Math.floor(x * info.width));
  const py = Math.min(info.height - 1, Math.floor(y * info.height));
  const i = (py * info.width + px) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

/** Which marker colour `[r, g, b]` clearly is, if any. */
export function markerAt([r, g, b]: number[]): 'red' | 'green' | 'blue' | 'white' | 'none' {
  if (r! > 200 && g! > 200 && b! > 200) return 'white';
  if (r! > 150 && g! < 90 && b! < 90) return 'red';
  if (g! > 150 && r! < 90 && b! < 90) return 'green';
  if (b! > 150 && r! < 90 && g! < 90) return 'blue';
  return 'none';
}

/** The markers at the four corners of an image: top-left, top-right, bottom-left, bottom-right. */
export async function corners(image: Buffer): Promise<string[]> {
  const at = [
    [0.03, 0.03],
    [0.97, 0.03],
    [0.03, 0.97],
    [0.97, 0.97],
  ] as const;
  return Promise.all(at.map(async ([x, y]) => markerAt(await colourAt(image, x, y))));
}

/** The corners of an upright photo-like image. */
export const UPRIGHT_CORNERS = ['red', 'green', 'white', 'blue'];
