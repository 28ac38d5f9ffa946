/**
 * PNG output like PIL's in SaveImage: pixels encoded by sharp, then ComfyUI's metadata as tEXt chunks
 * (`prompt` = the API graph JSON, one chunk per `extra_pnginfo` key) placed before the image data.
 */
import sharp from 'sharp';
import type { RgbImage } from './render';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tEXt chunk, or iTXt when the value is not Latin-1 (PIL's `PngInfo.add_text`). */
function textChunk(key: string, value: string): Buffer {
  const latin1 = [...value].every((ch) => ch.charCodeAt(0) <= 0xff);
  if (latin1) return chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]));
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]),
  );
}

/** Inserts text chunks right after IHDR. */
export function withTextChunks(png: Buffer, texts: [string, string][]): Buffer {
  if (texts.length === 0) return png;
  const ihdrEnd = 8 + 4 + 4 + png.readUInt32BE(8) + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts.map(([k, v]) => textChunk(k, v)), png.subarray(ihdrEnd)]);
}

export async function encodePng(img: RgbImage, compressionLevel = 4, texts: [string, string][] = []): Promise<Buffer> {
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel })
    .toBuffer();
  return withTextChunks(png, texts);
}

export async function encodeJpeg(img: RgbImage, quality = 95): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/** Decodes any image file to RGB (EXIF orientation applied), plus its alpha channel if it has one. */
export async function decodeImage(file: string): Promise<{ image: RgbImage; alpha: Buffer | null }> {
  const base = sharp(file).rotate();
  const meta = await sharp(file).metadata();
  const { data, info } = await base.clone().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let alpha: Buffer | null = null;
  if (meta.hasAlpha) alpha = await base.clone().ensureAlpha().extractChannel(3).raw().toBuffer();
  return { image: { width: info.width, height: info.height, data }, alpha };
}
