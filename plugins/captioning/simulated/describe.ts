import sharp from 'sharp';
import type { CaptionStyle } from '../../../lib/contracts/captions';
import { TRIGGER_TAG } from '../../../lib/contracts/photos';
import type { CaptionImage } from '../interface';

/**
 * The fast-test captioner's eyes: what can honestly be said about a photo from its pixels and its face box, in
 * simple words (dominant colours of the background and of the clothes, orientation, framing, light).
 */

export type Orientation = 'portrait' | 'landscape' | 'square';
export type Framing = 'close-up' | 'head-and-shoulders' | 'wide';

export interface PhotoLook {
  orientation: Orientation;
  /** Null without a face box: the framing cannot be told. */
  framing: Framing | null;
  /** The background's dominant colours (one or two), most present first. */
  background: string[];
  /** The colours below the face (or of the lower middle without one): the clothes. */
  clothes: string[];
  brightness: 'bright' | 'soft' | 'dim';
  warmth: 'warm' | 'cool' | 'neutral';
}

/** A simple colour name for an sRGB pixel (0–255 each). */
export function colourName(r: number, g: number, b: number): string {
  const [rf, gf, bf] = [r / 255, g / 255, b / 255];
  const max = Math.max(rf, gf, bf);
  const min = Math.min(rf, gf, bf);
  const light = (max + min) / 2;
  const sat = max === min ? 0 : (max - min) / (1 - Math.abs(2 * light - 1));
  if (light < 0.16) return 'black';
  if (sat < 0.18 || max - min < 0.08) return light > 0.82 ? 'white' : 'grey';
  if (light > 0.9) return 'white';
  let hue = 0;
  if (max === rf) hue = ((gf - bf) / (max - min)) % 6;
  else if (max === gf) hue = (bf - rf) / (max - min) + 2;
  else hue = (rf - gf) / (max - min) + 4;
  hue = (hue * 60 + 360) % 360;
  if ((hue < 45 || hue >= 345) && light < 0.4) return 'brown';
  if (hue < 15 || hue >= 345) return 'red';
  if (hue < 45) return light > 0.7 ? 'beige' : 'orange';
  if (hue < 70) return 'yellow';
  if (hue < 170) return 'green';
  if (hue < 250) return 'blue';
  if (hue < 290) return 'purple';
  return 'pink';
}

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The one or two colours that cover most of a region (a second one only when it covers a quarter or more). */
function dominantColours(data: Buffer, size: { width: number; height: number }, region: Region, skip?: Region): string[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (let y = Math.max(0, region.y0); y < Math.min(size.height, region.y1); y++) {
    for (let x = Math.max(0, region.x0); x < Math.min(size.width, region.x1); x++) {
      if (skip && x >= skip.x0 && x < skip.x1 && y >= skip.y0 && y < skip.y1) continue;
      const i = (y * size.width + x) * 3;
      const name = colourName(data[i]!, data[i + 1]!, data[i + 2]!);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      total++;
    }
  }
  if (total === 0) return [];
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return ranked.filter(([, n], i) => i === 0 || (i === 1 && n / total >= 0.25)).map(([name]) => name);
}

/** Framing from how much of the picture's height the face takes. */
export function framingOf(faceHeight: number, imageHeight: number): Framing {
  const share = faceHeight / imageHeight;
  if (share >= 0.35) return 'close-up';
  if (share >= 0.14) return 'head-and-shoulders';
  return 'wide';
}

const GRID = 96;

/** Reads the photo (scaled down) and says what it shows besides the person. */
export async function lookAt(image: Pick<CaptionImage, 'path' | 'faceBox'>): Promise<PhotoLook> {
  const meta = await sharp(image.path).metadata();
  const width = meta.width ?? 1;
  const height = meta.height ?? 1;
  const ratio = width / height;
  const orientation: Orientation = ratio > 1.1 ? 'landscape' : ratio < 0.9 ? 'portrait' : 'square';
  const { data, info } = await sharp(image.path).removeAlpha().resize(GRID, GRID, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const size = { width: info.width, height: info.height };
  const sx = info.width / width;
  const sy = info.height / height;
  const face = image.faceBox
    ? {
        x0: Math.floor(image.faceBox.x * sx),
        y0: Math.floor(image.faceBox.y * sy),
        x1: Math.ceil((image.faceBox.x + image.faceBox.width) * sx),
        y1: Math.ceil((image.faceBox.y + image.faceBox.height) * sy),
      }
    : null;
  // The person stands in the middle: the background is the top band and the sides, the clothes below the face.
  const personWide = face ? { x0: face.x0 - (face.x1 - face.x0), x1: face.x1 + (face.x1 - face.x0) } : { x0: size.width / 3, x1: (size.width * 2) / 3 };
  const personRegion = { x0: Math.floor(personWide.x0), x1: Math.ceil(personWide.x1), y0: face ? face.y0 : Math.floor(size.height / 4), y1: size.height };
  const background = dominantColours(data, size, { x0: 0, y0: 0, x1: size.width, y1: size.height }, face ? { ...personRegion, y0: face.y0 } : personRegion);
  const below = face ? Math.min(size.height - 1, face.y1 + Math.round((face.y1 - face.y0) * 0.4)) : Math.floor((size.height * 2) / 3);
  const clothes = below < size.height - 1 ? dominantColours(data, size, { x0: personRegion.x0, x1: personRegion.x1, y0: below, y1: size.height }) : [];

  let luminance = 0;
  let warmth = 0;
  for (let i = 0; i < data.length; i += 3) {
    luminance += (0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!) / 255;
    warmth += (data[i]! - data[i + 2]!) / 255;
  }
  const pixels = data.length / 3;
  luminance /= pixels;
  warmth /= pixels;
  return {
    orientation,
    framing: image.faceBox ? framingOf(image.faceBox.height, height) : null,
    background,
    clothes,
    brightness: luminance > 0.62 ? 'bright' : luminance < 0.3 ? 'dim' : 'soft',
    warmth: warmth > 0.08 ? 'warm' : warmth < -0.08 ? 'cool' : 'neutral',
  };
}

const FRAMING_WORDS: Record<Framing, string> = { 'close-up': 'close-up', 'head-and-shoulders': 'head and shoulders shot', wide: 'wide shot' };

const and = (words: string[]) => words.join(' and ');

/** The caption in the chosen style; the person is always `[trigger]`. */
export function captionFor(look: PhotoLook, style: CaptionStyle): string {
  const light = `${look.brightness}${look.warmth === 'neutral' ? '' : ` ${look.warmth}`} light`;
  if (style === 'short') {
    const parts = [`photo of ${TRIGGER_TAG}`];
    if (look.framing) parts.push(FRAMING_WORDS[look.framing]);
    if (look.background.length) parts.push(`${and(look.background)} background`);
    if (look.clothes.length) parts.push(`wearing ${and(look.clothes)}`);
    parts.push(light);
    return parts.join(', ');
  }
  const shot = look.framing ? `A ${FRAMING_WORDS[look.framing]}` : 'A photo';
  const sentences = [`${shot} of ${TRIGGER_TAG} in ${look.orientation === 'square' ? 'a square' : look.orientation} format.`];
  if (look.background.length) {
    sentences.push(
      look.background.length > 1
        ? `The background is mostly ${look.background[0]} with areas of ${look.background[1]}.`
        : `The background is mostly ${look.background[0]}.`,
    );
  }
  if (look.clothes.length) sentences.push(`They are wearing ${and(look.clothes)} clothing.`);
  sentences.push(`The scene is lit with ${light}.`);
  return sentences.join(' ');
}
