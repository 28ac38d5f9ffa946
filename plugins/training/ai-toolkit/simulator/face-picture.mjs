/**
 * Pictures of a person for the engine simulators (issue 23): what a model draws when it has learnt a face to some
 * degree. A picture at fidelity f is the person's photo blended with a generic face, f of the one and 1 − f of the
 * other, then re-framed (a window of 62–70 % of the portrait, off its centre, mirrored or not) and colour-graded, so it
 * is a new picture of the person, never the photo's framing. Measured with the product's identity scorer (face-api),
 * mean similarity to four photos of one person: a generic face 0.82–0.87; f = 0.5 about 0.90; f = 0.75 about 0.96;
 * f = 1 about 0.98 (the ai-toolkit simulator's README has the numbers).
 *
 * Photos are taken to be portraits: the face near the middle, about a third of the photo's width, as in the generic
 * faces (crops of face-api's demo photos). Plain ESM with sharp, so that the ai-toolkit simulator (Python) can run it
 * through `render-sample.mjs` and the ComfyUI simulator can import it (types in face-picture.d.mts).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const DEMO_DIR = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** The square every person and generic face is first brought to (face about a third of its width). */
export const PORTRAIT_SIDE = 512;

/**
 * Upright, frontal faces of face-api's demo photos, as face-api finds them (box centre and width in pixels): people
 * no training set of the tests uses (those are built from sample1.jpg).
 */
export const GENERIC_FACES = [
  { file: 'sample3.jpg', cx: 685, cy: 464, width: 200 },
  { file: 'sample5.jpg', cx: 1192, cy: 317, width: 159 },
  { file: 'sample6.jpg', cx: 1274, cy: 445, width: 189 },
  { file: 'sample6.jpg', cx: 760, cy: 475, width: 159 },
];

/** A deterministic number in [0, 1) from the parts. */
export function unit(...parts) {
  const digest = createHash('sha256').update(parts.map(String).join('|')).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

const genericCache = new Map();

/** Generic face `index` (modulo the list) as raw RGB pixels of a PORTRAIT_SIDE square. */
export async function genericPortrait(index) {
  const i = ((index % GENERIC_FACES.length) + GENERIC_FACES.length) % GENERIC_FACES.length;
  if (!genericCache.has(i)) {
    const face = GENERIC_FACES[i];
    const image = sharp(path.join(DEMO_DIR, face.file));
    const { width = 0, height = 0 } = await image.metadata();
    const side = Math.min(3 * face.width, width, height);
    const left = Math.min(Math.max(0, Math.round(face.cx - side / 2)), width - side);
    const top = Math.min(Math.max(0, Math.round(face.cy - side / 2)), height - side);
    genericCache.set(i, await image.extract({ left, top, width: side, height: side }).resize(PORTRAIT_SIDE, PORTRAIT_SIDE).removeAlpha().raw().toBuffer());
  }
  return genericCache.get(i);
}

/**
 * A photo of the person (encoded bytes or a file) as raw RGB pixels of a PORTRAIT_SIDE square, upright: its largest
 * square, centred across, and a little above the middle of a tall photo (where a portrait's face is).
 */
export async function personPortrait(photo) {
  const image = sharp(photo).rotate();
  const { width = 0, height = 0, orientation } = await image.metadata();
  const [w, h] = orientation && orientation >= 5 ? [height, width] : [width, height];
  const side = Math.min(w, h);
  const left = Math.round((w - side) / 2);
  const top = Math.round((h - side) * 0.3);
  return image.extract({ left, top, width: side, height: side }).resize(PORTRAIT_SIDE, PORTRAIT_SIDE).removeAlpha().raw().toBuffer();
}

/** The most a portrait JPEG may weigh once in base64, as it travels in a LoRA file's metadata. */
export const PORTRAIT_JPEG_MAX_BASE64 = 30_000;

/**
 * A small JPEG of the person's portrait: what the simulated LoRA file carries so that the ComfyUI simulator can draw
 * them. 320 px: at 192 px face-api no longer finds the face once it is re-framed and enlarged.
 */
export async function portraitJpeg(photo, side = 320) {
  const pixels = sharp(await personPortrait(photo), { raw: { width: PORTRAIT_SIDE, height: PORTRAIT_SIDE, channels: 3 } }).resize(side, side);
  let jpeg;
  for (const quality of [80, 70, 60, 50, 40]) {
    jpeg = await pixels.clone().jpeg({ quality }).toBuffer();
    if (Math.ceil(jpeg.length / 3) * 4 <= PORTRAIT_JPEG_MAX_BASE64) break;
  }
  return jpeg;
}

const clamp01 = (x) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));

/**
 * A picture `width` × `height` (raw RGB): the person (`person`: raw portrait pixels, or null for nobody) drawn at
 * `fidelity` over generic face `generic`, re-framed by `framing` and colour-graded by `grade` (any strings: the same
 * strings, the same picture). With `copy`, the person's portrait as it is, only resized: a near-copy of the photo.
 */
export async function facePicture({ person, fidelity, generic, framing, grade, width, height, copy = false }) {
  const raw = { raw: { width: PORTRAIT_SIDE, height: PORTRAIT_SIDE, channels: 3 } };
  if (copy && person) {
    return sharp(person, raw).resize(width, height, { fit: 'cover' }).raw().toBuffer();
  }
  const f = person ? clamp01(fidelity) : 0;
  const base = await genericPortrait(generic);
  let mixed = base;
  if (f > 0) {
    mixed = Buffer.alloc(base.length);
    for (let i = 0; i < base.length; i++) mixed[i] = Math.round(person[i] * f + base[i] * (1 - f));
  }
  // A window of the picture's aspect, 62-70% of the portrait (the face large), off its centre, mirrored or not: never
  // the photo's framing.
  const scale = 0.62 + 0.08 * unit(framing, 'scale');
  // the picture's shorter side spans `scale` of the portrait, the longer one as much more as fits
  const aspect = width / height;
  const short = PORTRAIT_SIDE * scale;
  const long = Math.min(PORTRAIT_SIDE, short * Math.max(aspect, 1 / aspect));
  const shortFit = long / Math.max(aspect, 1 / aspect);
  const cropW = Math.round(aspect >= 1 ? long : shortFit);
  const cropH = Math.round(aspect >= 1 ? shortFit : long);
  const left = Math.round((PORTRAIT_SIDE - cropW) * (0.25 + 0.5 * unit(framing, 'left')));
  const top = Math.round((PORTRAIT_SIDE - cropH) * (0.35 + 0.4 * unit(framing, 'top')));
  let image = sharp(mixed, raw).extract({ left, top, width: cropW, height: cropH }).resize(width, height, { fit: 'fill' });
  if (unit(framing, 'mirror') < 0.5) image = image.flop();
  image = image.modulate({
    hue: Math.round(50 * unit(grade, 'hue') - 25),
    saturation: 0.75 + 0.4 * unit(grade, 'saturation'),
    brightness: 0.9 + 0.2 * unit(grade, 'brightness'),
  });
  return image.raw().toBuffer();
}
