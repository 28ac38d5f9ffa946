import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { seededRandom } from '../../../test/helpers/images';

/**
 * Photo-like test pictures made quickly at camera sizes: a gradient sky, coloured shapes, a fine checkerboard
 * (edges for the sharpness check) drawn by librsvg, plus per-pixel sensor noise so that JPEG coding costs what it
 * costs on a real photo. Distinct per seed. Cached under tmp/bench/pictures (git-ignored): a 12 MP one takes
 * about half a second to make.
 */
export const PICTURE_CACHE = path.join(PROJECT_ROOT, 'tmp', 'bench', 'pictures');

async function pixels(width: number, height: number, seed: number): Promise<Buffer> {
  const rand = seededRandom(seed);
  const colour = () => `rgb(${Math.round(rand() * 255)},${Math.round(rand() * 255)},${Math.round(rand() * 255)})`;
  let shapes = '';
  for (let i = 0; i < 14; i++) {
    const x = rand() * width;
    const y = rand() * height;
    const s = (0.04 + rand() * 0.12) * Math.min(width, height);
    shapes +=
      rand() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${s}" fill="${colour()}"/>`
        : `<rect x="${x - s}" y="${y - s * 0.6}" width="${2 * s}" height="${1.2 * s}" fill="${colour()}"/>`;
  }
  const cell = Math.max(2, Math.round(Math.min(width, height) / 120));
  const board = Math.round(Math.min(width, height) * 0.15);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs>` +
    `<linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${colour()}"/><stop offset="1" stop-color="${colour()}"/></linearGradient>` +
    `<pattern id="p" width="${2 * cell}" height="${2 * cell}" patternUnits="userSpaceOnUse"><rect width="${2 * cell}" height="${2 * cell}" fill="#e6e6e6"/>` +
    `<rect width="${cell}" height="${cell}" fill="#191919"/><rect x="${cell}" y="${cell}" width="${cell}" height="${cell}" fill="#191919"/></pattern></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${shapes}` +
    `<rect x="${rand() * (width - board)}" y="${rand() * (height - board)}" width="${board}" height="${board}" fill="url(#p)"/></svg>`;
  const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const v = data[i]! + ((state >>> 24) % 17) - 8;
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return data;
}

/** A photo-like JPEG (quality 90) with an EXIF orientation; its path in the cache, made when missing. */
export async function cameraJpeg(width: number, height: number, seed: number, orientation = 1): Promise<string> {
  mkdirSync(PICTURE_CACHE, { recursive: true });
  const file = path.join(PICTURE_CACHE, `photo-${width}x${height}-o${orientation}-s${seed}.jpg`);
  if (existsSync(file)) return file;
  const data = await pixels(width, height, seed);
  let image = sharp(data, { raw: { width, height, channels: 3 } });
  if (orientation !== 1) image = image.withMetadata({ orientation });
  const jpeg = await image.jpeg({ quality: 90 }).toBuffer();
  writeFileSync(`${file}.partial`, jpeg);
  renameSync(`${file}.partial`, file);
  return file;
}

/** Stored pictures (as stored on a camera: landscape pixels, orientation 6 = shown as portrait). */
export async function cameraJpegs(count: number, megapixels: number, orientation: number, firstSeed = 1): Promise<string[]> {
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 4) / 3) / 8) * 8;
  const height = Math.round((width * 3) / 4 / 8) * 8;
  const files: string[] = [];
  for (let i = 0; i < count; i++) files.push(await cameraJpeg(width, height, firstSeed + i, orientation));
  return files;
}

/** The repository's HEIC test photo (HEVC, 640×480: the project has no HEIC encoder to make bigger ones). */
export const HEIC_FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'photos', 'upright.heic');

export function readPicture(file: string): Buffer {
  return readFileSync(file);
}
