import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';

/**
 * The anchor of the photo-intake figure: the pixel work Isengard does on each photo, with sharp and nothing else
 * (no HTTP, no checks, no database): read the header, decode a small upright copy (shrink-on-load) for the
 * checks and the thumbnail, and write the WebP thumbnail. A JPEG is stored as uploaded, EXIF orientation and all;
 * HEIC is decoded with heic-decode and stored as an upright JPEG, as Isengard does (lib/images/prepare.ts).
 * Prints one JSON line: seconds per group and the peak RSS.
 *   node --import tsx scripts/bench/bare-photos.ts <file>...
 */
const files = process.argv.slice(2);
/** As many at a time as the control plane's intake (api/photo-intake.ts). */
const LANES = Math.min(4, Math.max(2, os.availableParallelism()));
const out = mkdtempSync(path.join(os.tmpdir(), 'isengard-bench-bare-'));

async function source(file: string): Promise<() => Sharp> {
  if (!file.toLowerCase().endsWith('.heic')) return () => sharp(file);
  const { default: heicDecode } = await import('heic-decode');
  const images = await heicDecode.all({ buffer: await readFile(file) });
  try {
    const { width, height, data } = await images[0]!.decode();
    const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return () => sharp(pixels, { raw: { width, height, channels: 4 } });
  } finally {
    images.dispose();
  }
}

async function one(file: string, index: number): Promise<void> {
  const open = await source(file);
  const meta = await open().metadata();
  const heic = file.toLowerCase().endsWith('.heic');
  const needsWork = heic || (meta.format !== 'jpeg' && (meta.orientation ?? 1) !== 1);
  const small = await open().rotate().resize(512, 512, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
  await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: small.info.channels } })
    .resize(320, 320, { fit: 'inside' })
    .webp({ quality: 80 })
    .toFile(path.join(out, `${index}.webp`));
  if (needsWork) {
    await writeFile(path.join(out, `${index}.jpg`), await open().rotate().jpeg({ quality: 92, optimiseCoding: false }).toBuffer());
  }
}

/** {@link LANES} at a time, like the control plane's intake. */
async function all(list: string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < list.length) {
      const i = next++;
      await one(list[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  return (performance.now() - started) / 1000;
}

const jpegs = files.filter((f) => !f.toLowerCase().endsWith('.heic'));
const heics = files.filter((f) => f.toLowerCase().endsWith('.heic'));
const jpegSeconds = await all(jpegs);
const heicSeconds = await all(heics);
const peak = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
rmSync(out, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ jpegSeconds, heicSeconds, peakRssBytes: peak ? Number(peak[1]) * 1024 : null })}\n`);
