/**
 * The pictures SaveImage writes: real PNGs at the decoded size, of a face with a fine grain. A LoRA the ai-toolkit
 * simulator saved carries the person it learnt (safetensors.ts `simulatedFace`): the picture draws that person at the
 * LoRA's fidelity times its strength (face-picture.mjs: a blend with a generic face); without such a LoRA, or at
 * strength 0, a generic face (one of face-api's demo people, by seed). The noise seed picks the generic face and the
 * framing; everything else that shapes a picture (prompt, negative prompt, LoRAs and their strengths, base model,
 * guidance, sampler settings) grades the colours and seeds the grain with it: same inputs, same pixels; change any of
 * them, other pixels. As in ComfyUI a batch draws its noise from its one seed: image 1 is the single image of that
 * seed, image i > 1 is not the image of seed + i - 1. ComfyUI's metadata goes in text chunks (comfyui.md §4.5).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { facePicture, GENERIC_FACES, personPortrait, unit } from '../../../training/ai-toolkit/simulator/face-picture.mjs';
import type { Lora, Picture } from './nodes';

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

/** The noise seed of image `index` of a batch drawn from `seed`. */
const noiseKey = (seed: number, index: number) => (index === 0 ? `seed ${seed}` : `seed ${seed} batch ${index}`);

const portraits = new Map<string, Promise<Buffer>>();
/** The LoRA's person as portrait pixels, decoded once per face. */
function portraitOf(jpeg: Buffer): Promise<Buffer> {
  const key = createHash('sha256').update(jpeg).digest('hex');
  if (!portraits.has(key)) portraits.set(key, personPortrait(jpeg));
  return portraits.get(key)!;
}

/** The person the picture's LoRAs draw, at the fidelity they reach: the most faithful one wins. */
function strongestFace(loras: readonly Lora[]): { lora: Lora & { face: NonNullable<Lora['face']> }; fidelity: number } | null {
  let best: { lora: Lora & { face: NonNullable<Lora['face']> }; fidelity: number } | null = null;
  for (const lora of loras) {
    if (!lora.face) continue;
    const fidelity = Math.min(1, Math.max(0, lora.face.fidelity * lora.strength));
    if (!best || fidelity > best.fidelity) best = { lora: lora as Lora & { face: NonNullable<Lora['face']> }, fidelity };
  }
  return best;
}

/** Image `index` of the batch as a PNG with ComfyUI's text chunks (`prompt`, then each `extra_pnginfo` key). */
export async function renderPng(picture: Picture, index: number, texts: Array<[string, string]>): Promise<Buffer> {
  const { width, height, seed, baseModel, loras, prompt, negative, guidance, sampling } = picture;
  const noise = noiseKey(seed, index);
  const shaping = JSON.stringify({ baseModel, loras: loras.map((l) => [l.name, l.strength, l.face?.fidelity ?? null]), prompt, negative, guidance, sampling });
  const drawn = strongestFace(loras);
  const pixels = await facePicture({
    person: drawn && drawn.fidelity > 0 ? await portraitOf(drawn.lora.face.jpeg) : null,
    fidelity: drawn?.fidelity ?? 0,
    generic: Math.floor(unit(noise, 'generic') * GENERIC_FACES.length),
    framing: noise,
    grade: shaping,
    width,
    height,
    copy: drawn !== null && drawn.lora.face.overfit && drawn.fidelity >= 1,
  });
  // Grain from the noise seed and the rest (the lowest bit of each value): a picture weighs what a real one does,
  // about 2 MB at 1024² (the disk-full tests count on megabytes). A stronger grain hides faces from face-api.
  let state = createHash('sha256').update(`${noise} ${shaping}`).digest().readUInt32BE(0) | 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = pixels[i]! ^ (state & 1);
  }
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
  const ihdrEnd = 8 + 4 + 4 + png.readUInt32BE(8) + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts.map(([k, v]) => textChunk(k, v)), png.subarray(ihdrEnd)]);
}
