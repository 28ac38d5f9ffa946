import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { createLimiter } from '../concurrency';
import { decodeChecked, openPhoto, readPhotoHeader, type PhotoHeader, type SourceImage } from './decode';
import type { PhotoFormat } from './detect-type';
import { needsTurning, uprightSize, type ExifOrientation } from './orientation';
import { perceptualHash } from './phash';
import { toGrey, type Pixels } from './pixels';
import { laplacianVariance, SHARPNESS_SIZE } from './sharpness';
import { writeThumbnail } from './thumbnail';

/** An upload on disk, with what was measured while it streamed in. */
export interface UploadedFile {
  path: string;
  format: PhotoFormat;
  sizeBytes: number;
  sha256: string;
}

/** Where the stored photo and its thumbnail go; the extension depends on what is stored. */
export interface PhotoTarget {
  imagePath(extension: string): string;
  thumbnailPath: string;
}

/** The stored photo (upright as every viewer and the trainer shows it) and what the checks measured on it. */
export interface PreparedPhoto {
  imagePath: string;
  thumbnailPath: string;
  mimeType: string;
  /** Size and SHA-256 of the stored file. */
  sizeBytes: number;
  sha256: string;
  width: number;
  height: number;
  exifOrientation: number;
  orientationFixed: boolean;
  phash: string;
  sharpness: number;
}

type StoredFormat = 'jpeg' | 'png' | 'webp';

const EXTENSIONS: Record<StoredFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
/** Every extension a stored photo can have. */
export const STORED_EXTENSIONS = Object.values(EXTENSIONS);
const MIME_TYPES: Record<StoredFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
/** HEIC is stored as JPEG, which browsers and ai-toolkit read (spec §7); the others keep their format. */
const STORED_FORMAT: Record<PhotoFormat, StoredFormat> = { jpeg: 'jpeg', png: 'png', webp: 'webp', heic: 'jpeg' };

/**
 * One small, upright RGB copy for every check and the thumbnail. For JPEG and WebP, sharp decodes straight at a
 * reduced scale (shrink-on-load), so a 12-megapixel photo costs a fraction of a full decode; all the compressed
 * data is still read, so a truncated file fails here.
 */
export async function analysisCopy(source: SourceImage): Promise<Pixels> {
  const { data, info } = await decodeChecked(source, (pipeline) =>
    pipeline
      .rotate()
      .resize(SHARPNESS_SIZE, SHARPNESS_SIZE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/**
 * Whether the stored file must be a re-encoded, upright copy rather than the uploaded bytes. HEIC must (browsers
 * and ai-toolkit cannot read it). A JPEG keeps its bytes whatever its EXIF orientation: browsers apply it when they
 * show an image, and ai-toolkit applies it whenever it opens or measures a dataset image (`exif_transpose` in
 * `toolkit/dataloader_mixins.py` and `toolkit/data_transfer_object/data_loader.py` at the pinned commit; the
 * job config never sets `fast_image_size`, which would skip it), so the camera's pixels reach the trainer
 * without a second lossy compression and intake costs no full decode. PNG and WebP, where readers honour an
 * orientation less reliably, are turned in their pixels.
 */
function needsUprightCopy(format: PhotoFormat, orientation: ExifOrientation): boolean {
  return format === 'heic' || (format !== 'jpeg' && needsTurning(orientation));
}

/**
 * The full picture with its orientation applied, re-encoded; metadata is dropped, so nothing rotates it twice.
 * Runs after {@link analysisCopy} has decoded the same file, so a damaged one never gets here. JPEG skips
 * Huffman-table optimisation: it nearly halves the encoding time of a 12-megapixel photo for 4% more bytes.
 */
function encodeUpright(source: SourceImage, format: StoredFormat) {
  return decodeChecked(source, (pipeline) => {
    const upright = pipeline.rotate();
    const encoded =
      format === 'jpeg'
        ? upright.jpeg({ quality: 92, optimiseCoding: false })
        : format === 'png'
          ? upright.png()
          : upright.webp({ quality: 92 });
    return encoded.toBuffer({ resolveWithObject: true });
  });
}

/**
 * A photo over this many pixels whose preparation holds its full-size pixels in memory is a large decode: those run
 * one at a time, across all uploads. A 48-megapixel HEIC holds about 640 MB while libheif decodes it (its
 * WebAssembly memory and the RGBA copy it hands over), a turned 48-megapixel PNG about 200 MB; two or four of them
 * at once (the intake prepares a photo per core) is what sent the control plane past a gigabyte.
 */
export const LARGE_DECODE_PIXELS = 4_000_000;
const oneLargeDecodeAtATime = createLimiter(1);
let largeRunning = 0;
let largeMostAtOnce = 0;
/** The most large decodes that ever ran at once in this process (1, unless the limit is broken). */
export const largeDecodesAtOnce = () => largeMostAtOnce;

/**
 * Whether preparing a photo decodes it whole: every HEIC (libheif has no reduced-scale decoding) and every photo
 * turned in its pixels. A JPEG never is: it is read at a reduced scale for the checks and stored as uploaded; nor
 * is an upright PNG or WebP, which sharp shrinks as it reads.
 */
export function isLargeDecode(format: PhotoFormat, header: PhotoHeader): boolean {
  return needsUprightCopy(format, header.orientation) && header.width * header.height > LARGE_DECODE_PIXELS;
}

/**
 * Turns an upload into a stored photo: decodes it (refusing damaged files and decompression bombs), keeps the
 * original bytes or writes an upright copy ({@link needsUprightCopy}), writes an upright thumbnail, and measures
 * sharpness and the perceptual hash on upright pixels. Width and height are always the upright size. The upload
 * file is moved or left for the caller to delete. Large decodes ({@link isLargeDecode}) take turns, and a large
 * HEIC gets a libheif of its own, so that memory goes back once it is done.
 * Throws {@link PhotoRejectedError} for files a person must fix.
 */
export async function preparePhoto(upload: UploadedFile, target: PhotoTarget): Promise<PreparedPhoto> {
  const header = await readPhotoHeader(upload.path, upload.format);
  if (!isLargeDecode(upload.format, header)) return prepareFrom(upload, target, header, false);
  return oneLargeDecodeAtATime(async () => {
    largeMostAtOnce = Math.max(largeMostAtOnce, ++largeRunning);
    try {
      return await prepareFrom(upload, target, header, true);
    } finally {
      largeRunning--;
    }
  });
}

async function prepareFrom(upload: UploadedFile, target: PhotoTarget, header: PhotoHeader, large: boolean): Promise<PreparedPhoto> {
  const source = await openPhoto(upload.path, upload.format, { header, ownDecoder: large });
  const format = STORED_FORMAT[upload.format];
  const reencode = needsUprightCopy(upload.format, source.orientation);
  const small = await analysisCopy(source);
  const imagePath = target.imagePath(EXTENSIONS[format]);

  let stored: { sizeBytes: number; sha256: string; width: number; height: number };
  if (reencode) {
    const { data, info } = await encodeUpright(source, format);
    await writeFile(imagePath, data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    stored = { sizeBytes: data.length, sha256, width: info.width, height: info.height };
  } else {
    await rename(upload.path, imagePath);
    stored = { sizeBytes: upload.sizeBytes, sha256: upload.sha256, ...uprightSize(source.width, source.height, source.orientation) };
  }
  await writeThumbnail(small, target.thumbnailPath);

  const grey = toGrey(small);
  return {
    imagePath,
    thumbnailPath: target.thumbnailPath,
    mimeType: MIME_TYPES[format],
    ...stored,
    exifOrientation: source.orientation,
    orientationFixed: needsTurning(source.orientation),
    phash: perceptualHash(grey),
    sharpness: laplacianVariance(grey),
  };
}
