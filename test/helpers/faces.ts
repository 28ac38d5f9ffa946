import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from './images';

/**
 * Photos of real people for tests, made from the group photos that ship in face-api's npm package (faces in one photo
 * are different people). A "person" is one face of one of those photos; each photo of a person is a different
 * framing of it (zoom, offset, mirror, light, colour), as different from each other as photos of one session.
 */
const require = createRequire(import.meta.url);
const DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

interface DemoFace {
  file: string;
  /** The face's box in the photo's pixels, as face-api 1.7.15 finds it. */
  box: { x: number; y: number; width: number; height: number };
  /** The widest crop, in face widths, that keeps the neighbours out. */
  maxZoom: number;
}

/** Four different people. */
export const PEOPLE = {
  ada: { file: 'sample1.jpg', box: { x: 1476, y: 199, width: 202, height: 240 }, maxZoom: 3.4 },
  grace: { file: 'sample1.jpg', box: { x: 414, y: 354, width: 177, height: 239 }, maxZoom: 3.4 },
  alan: { file: 'sample1.jpg', box: { x: 837, y: 419, width: 187, height: 228 }, maxZoom: 3.2 },
  edsger: { file: 'sample4.jpg', box: { x: 665, y: 51, width: 186, height: 260 }, maxZoom: 2.5 },
} satisfies Record<string, DemoFace>;
export type Person = keyof typeof PEOPLE;

export interface PersonPhotoOptions {
  /** Output size (default 768 × 1024, portrait). */
  width?: number;
  height?: number;
  /** Crop width in face widths (default from the variant, between 1.9 and the person's widest). */
  zoom?: number;
  /** Gaussian blur σ in output pixels (a blurry photo). */
  blur?: number;
  /** JPEG quality (default 90). */
  quality?: number;
}

/** Photo number `variant` of `person`: the same variant gives the same bytes. */
export async function personPhoto(person: Person, variant: number, options: PersonPhotoOptions = {}): Promise<Buffer> {
  const { file, box, maxZoom } = PEOPLE[person];
  const width = options.width ?? 768;
  const height = options.height ?? 1024;
  const rand = seededRandom(variant * 7919 + 17);
  const zoom = options.zoom ?? 1.9 + (((variant * 0.618) % 1) * (maxZoom - 1.9));
  const source = sharp(path.join(DEMO, file));
  const { width: sw = 0, height: sh = 0 } = await source.metadata();
  const cropWidth = Math.min(sw, Math.round(zoom * box.width));
  const cropHeight = Math.min(sh, Math.round((cropWidth * height) / width));
  const centreX = box.x + box.width / 2 + (rand() - 0.5) * 0.6 * box.width;
  const centreY = box.y + box.height / 2 + (rand() - 0.3) * 0.4 * box.height;
  const left = Math.max(0, Math.min(sw - cropWidth, Math.round(centreX - cropWidth / 2)));
  const top = Math.max(0, Math.min(sh - cropHeight, Math.round(centreY - cropHeight / 2)));
  // Turned a little (as a hand-held camera is), on a canvas larger than the output so no corner shows.
  const framed = await sharp(path.join(DEMO, file))
    .extract({ left, top, width: cropWidth, height: cropHeight })
    .resize(Math.round(width * 1.2), Math.round(height * 1.2), { fit: 'fill' })
    .rotate((rand() - 0.5) * 14)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { info } = framed;
  let picture = sharp(framed.data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extract({ left: Math.round((info.width - width) / 2), top: Math.round((info.height - height) / 2), width, height })
    .modulate({ brightness: 0.85 + rand() * 0.3, saturation: 0.7 + rand() * 0.6, hue: Math.round((rand() - 0.5) * 30) });
  if (variant % 2 === 1) picture = picture.flop();
  if (options.blur) picture = picture.blur(options.blur);
  return picture.jpeg({ quality: options.quality ?? 90 }).toBuffer();
}

/** `count` photos of one person, variants `first` onward. */
export function personPhotos(person: Person, count: number, first = 0, options: PersonPhotoOptions = {}): Promise<Buffer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => personPhoto(person, first + i, options)));
}

/** A group photo: several people (face-api's sample1.jpg, three people), shrunk to `width`. */
export function groupPhoto(width = 1200): Promise<Buffer> {
  return sharp(path.join(DEMO, 'sample1.jpg')).resize(width).jpeg({ quality: 90 }).toBuffer();
}
