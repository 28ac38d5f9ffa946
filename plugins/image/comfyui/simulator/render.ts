/**
 * The pictures SaveImage writes: real PNGs at the decoded size, in two colours with a fine grain. The top half comes from the
 * noise seed, the bottom half from everything else that shapes a picture (prompt, negative prompt, LoRAs and their
 * strengths, base model, guidance, sampler settings): same inputs, same pixels; change any of them, other pixels.
 * As in ComfyUI a batch draws its noise from its one seed: image 1 is the single image of that seed, image i > 1
 * is not the image of seed + i - 1. ComfyUI's metadata goes in text chunks (comfyui.md §4.5).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { Picture } from './nodes';

/** A tEXt chunk, or iTXt when the value is not Latin-1 (PIL's `PngInfo.add_text`). */
function textChunk(key: string, value: string): Buffer {
  const latin1 = [...value].every((ch) => ch.charCodeAt(0) <= 0xff);
  const [type, data] = latin1
    ? ['tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')])]
    : ['iTXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')])];
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const frame = Buffer.alloc(8 + body.length);
  frame.writeUInt32BE(data.length, 0);
  body.copy(frame, 4);
  frame.writeUInt32BE(crc32(body), 4 + body.length);
  return frame;
}

const colourOf = (text: string) => createHash('sha256').update(text).digest().subarray(0, 3);

/** The noise seed of image `index` of a batch drawn from `seed`. */
const noiseKey = (seed: number, index: number) => (index === 0 ? `seed ${seed}` : `seed ${seed} batch ${index}`);

/** Image `index` of the batch as a PNG with ComfyUI's text chunks (`prompt`, then each `extra_pnginfo` key). */
export async function renderPng(picture: Picture, index: number, texts: Array<[string, string]>): Promise<Buffer> {
  const { width, height, seed, baseModel, loras, prompt, negative, guidance, sampling } = picture;
  const pixels = Buffer.alloc(width * height * 3);
  const half = Math.floor(height / 2) * width * 3;
  pixels.fill(colourOf(noiseKey(seed, index)), 0, half);
  pixels.fill(colourOf(JSON.stringify({ baseModel, loras, prompt, negative, guidance, sampling })), half);
  // Grain from the noise seed: a picture weighs what a real one does (about a megabyte at 1024², which the
  // disk-full tests count on), not the few bytes of two flat colours.
  let state = colourOf(noiseKey(seed, index)).readUIntBE(0, 3) | 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = (pixels[i]! & 0xf0) | (state & 0x0f);
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
  const ihdrEnd = 8 + 4 + 4 + png.readUInt32BE(8) + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts.map(([k, v]) => textChunk(k, v)), png.subarray(ihdrEnd)]);
}
