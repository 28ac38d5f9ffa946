import { loadSharp } from '../../lib/images/sharp';
import { UnreadableImageError } from './interface';

/** Pixels for a face detector: 8-bit RGB, row by row. */
export interface RgbImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Original size ÷ decoded size: multiply coordinates in `pixels` by it to get them in the original image. */
  scale: number;
}

/**
 * Decodes an encoded image to RGB with its EXIF orientation applied, shrunk so that its long side is at most
 * `maxSide` (detectors gain nothing from more, and take much longer). sharp works on libuv's threads, not on the event
 * loop.
 */
export async function decodeToRgb(image: Buffer, maxSide: number): Promise<RgbImage> {
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  let originalLongSide: number;
  try {
    const oriented = sharp(image, { failOn: 'error' }).rotate();
    const meta = await oriented.metadata();
    const rotated = (meta.orientation ?? 1) >= 5;
    const width = rotated ? meta.height : meta.width;
    const height = rotated ? meta.width : meta.height;
    if (!width || !height) throw new Error('the image has no size');
    originalLongSide = Math.max(width, height);
    decoded = await oriented
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UnreadableImageError(`Not a readable image: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new UnreadableImageError(`Decoded to ${info.channels} channels, not RGB`);
  return {
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    scale: originalLongSide / Math.max(info.width, info.height),
  };
}
