import { open, readFile } from 'node:fs/promises';
import type { FailOnOptions, Sharp } from 'sharp';
import { PHOTO_LIMITS } from '../contracts/photos';
import type { PhotoFormat } from './detect-type';
import type { HeicDecode } from 'heic-decode';
import { heifOrientation } from './heif-orientation';
import { exifOrientation, type ExifOrientation } from './orientation';
import { decodeFailure, PhotoRejectedError, rejectionReasons } from './rejection';
import { loadSharp, type SharpFactory } from './sharp';

/** A photo whose header was read and found within bounds, ready to decode. */
export interface SourceImage {
  file: string;
  format: PhotoFormat;
  /** Size of the pixels as stored, before the orientation is applied. */
  width: number;
  height: number;
  /** How the stored pixels must be turned upright (for HEIC: how libheif turned them while decoding). */
  orientation: ExifOrientation;
  /** A new sharp pipeline over the full pixels; decoding fails at `failOn` (see {@link decodeChecked}). */
  pipeline(failOn?: FailOnOptions): Sharp;
}

function refuseBombs(width: number, height: number): void {
  if (width * height > PHOTO_LIMITS.maxPixels) throw new PhotoRejectedError(rejectionReasons.tooManyPixels(width * height));
}

const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

const JPEG_START_OF_SCAN = Buffer.from([0xff, 0xda]);
const JPEG_END = Buffer.from([0xff, 0xd9]);

/**
 * Whether a file that failed to decode was cut off, which the decoders do not always say (libvips' message for a
 * JPEG depends on which of its threads failed first): a PNG ends with its IEND chunk, a WebP (RIFF) file is as long
 * as its header declares, a JPEG's last scan is followed by its end marker (scan data cannot contain one).
 */
async function isCutOff(file: string, format: PhotoFormat): Promise<boolean> {
  if (format === 'jpeg') {
    const data = await readFile(file);
    const lastScan = data.lastIndexOf(JPEG_START_OF_SCAN);
    return lastScan >= 0 && data.indexOf(JPEG_END, lastScan) < 0;
  }
  if (format !== 'png' && format !== 'webp') return false;
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    if (format === 'webp') {
      const head = Buffer.alloc(8);
      const { bytesRead } = await handle.read(head, 0, 8, 0);
      return bytesRead === 8 && head.readUInt32LE(4) + 8 > size;
    }
    const tail = Buffer.alloc(PNG_END.length);
    await handle.read(tail, 0, tail.length, Math.max(0, size - tail.length));
    return !tail.equals(PNG_END);
  } finally {
    await handle.close();
  }
}

async function rejectionFor(file: string, format: PhotoFormat, err: unknown): Promise<PhotoRejectedError> {
  if (!(err instanceof PhotoRejectedError) && (await isCutOff(file, format))) {
    return new PhotoRejectedError(rejectionReasons.truncated);
  }
  return decodeFailure(err);
}

/** Reads only the header: the declared size is checked before anything is decoded (decompression bombs). */
async function readHeader(sharp: SharpFactory, file: string, format: PhotoFormat) {
  try {
    // No pixel limit here: this reads the header only, and the limit below gives the person the actual size.
    return await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw await rejectionFor(file, format, err);
  }
}

/** The size of a photo as its header declares it, before any pixel is decoded. */
export interface PhotoHeader {
  width: number;
  height: number;
  /** The EXIF orientation (for HEIC: informational only, see {@link openHeic}). */
  orientation: ExifOrientation;
}

/**
 * Reads and checks the header of an uploaded photo: damaged headers and decompression bombs are refused here,
 * before anything is decoded.
 */
export async function readPhotoHeader(file: string, format: PhotoFormat): Promise<PhotoHeader> {
  const sharp = await loadSharp();
  const header = await readHeader(sharp, file, format);
  const width = header.width ?? 0;
  const height = header.height ?? 0;
  if (width <= 0 || height <= 0) throw new PhotoRejectedError(rejectionReasons.damaged);
  refuseBombs(width, height);
  return { width, height, orientation: exifOrientation(header.orientation) };
}

type HeicDecoder = Pick<HeicDecode, 'all'>;

/**
 * A libheif of its own, for one large photo: libheif (WebAssembly) grows its memory to what the largest picture
 * it decoded needed and never gives it back, about 450 MB for a 48-megapixel HEIC. An instance used once and then
 * dropped takes that memory with it; a new one costs about 15 ms. Small photos share heic-decode's own instance.
 */
async function ownHeicDecoder(): Promise<HeicDecoder> {
  const [{ default: createLibheif }, { default: bindDecoder }] = await Promise.all([
    import('libheif-js/libheif-wasm/libheif-bundle.js'),
    import('heic-decode/lib.js'),
  ]);
  return bindDecoder(createLibheif());
}

/**
 * HEVC-HEIC, which the prebuilt libvips cannot decode: heic-decode (libheif in WebAssembly) gives RGBA pixels that
 * sharp takes from there. libheif applies HEIF's own rotation and mirroring (irot/imir) while decoding, so the
 * pixels arrive upright; `orientation` records what that was, in EXIF terms. (An EXIF orientation inside a HEIF
 * is informational and must not be applied again.)
 */
async function openHeic(sharp: SharpFactory, file: string, ownDecoder: boolean): Promise<SourceImage> {
  const decoder: HeicDecoder = ownDecoder ? await ownHeicDecoder() : (await import('heic-decode')).default;
  const buffer = await readFile(file);
  const orientation = heifOrientation(buffer);
  let decoded;
  try {
    const images = await decoder.all({ buffer });
    try {
      const primary = images[0];
      if (!primary) throw new PhotoRejectedError(rejectionReasons.damaged);
      refuseBombs(primary.width, primary.height);
      decoded = await primary.decode();
    } finally {
      images.dispose();
    }
  } catch (err) {
    throw decodeFailure(err);
  }
  const { width, height, data } = decoded;
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    file,
    format: 'heic',
    width,
    height,
    orientation,
    pipeline: () => sharp(pixels, { raw: { width, height, channels: 4 }, limitInputPixels: PHOTO_LIMITS.maxPixels }),
  };
}

/**
 * Opens an uploaded photo of a detected format: header checks first (or the header already read), then a way to
 * decode it. `ownDecoder`: decode a HEIC with a libheif of its own ({@link ownHeicDecoder}), for large ones.
 */
export async function openPhoto(
  file: string,
  format: PhotoFormat,
  options: { header?: PhotoHeader; ownDecoder?: boolean } = {},
): Promise<SourceImage> {
  const sharp = await loadSharp();
  const header = options.header ?? (await readPhotoHeader(file, format));
  if (format === 'heic') return openHeic(sharp, file, options.ownDecoder ?? false);
  return {
    file,
    format,
    width: header.width,
    height: header.height,
    orientation: header.orientation,
    pipeline: (failOn = 'error') => sharp(file, { failOn, limitInputPixels: PHOTO_LIMITS.maxPixels }),
  };
}

/**
 * libjpeg warnings that many cameras and editors trigger on files that decode fine: junk after the image data,
 * odd but harmless scan parameters. Every other warning means damaged data that libjpeg would paper over with
 * grey blocks.
 */
const HARMLESS_JPEG_WARNINGS = /extraneous bytes before marker|invalid SOS parameters/i;

/**
 * Runs a pipeline built on the source's pixels, refusing damaged files: JPEG warnings count (libjpeg "recovers"
 * from corrupt data by inventing pixels) except the harmless ones; other formats fail on errors, truncation
 * included. Decoder failures become {@link PhotoRejectedError}s.
 */
export async function decodeChecked<T>(source: SourceImage, run: (pipeline: Sharp) => Promise<T>): Promise<T> {
  try {
    if (source.format !== 'jpeg') return await run(source.pipeline('error'));
    try {
      return await run(source.pipeline('warning'));
    } catch (err) {
      if (!HARMLESS_JPEG_WARNINGS.test((err as Error).message)) throw err;
      return await run(source.pipeline('error'));
    }
  } catch (err) {
    throw await rejectionFor(source.file, source.format, err);
  }
}
