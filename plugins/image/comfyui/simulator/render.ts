/**
 * Picture rendering for the simulator: a deterministic abstract background derived from the seed, with the
 * generation's parameters (prompt, seed, LoRA and strengths, base model, ...) printed over it in the built-in bitmap
 * font. Same inputs give the same pixels; different seeds give visibly different pictures. Pixels are RGB, row-major.
 */
import { CELL_H, CELL_W, GLYPH_H, GLYPH_W, glyph, printable } from './font';

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes */
  data: Buffer;
}

export interface LabelLine {
  text: string;
  color?: [number, number, number];
}

const MASK64 = (1n << 64n) - 1n;

/** splitmix64 over an unbounded seed (seeds reach 2^64-1). */
export class SeedRandom {
  private state: bigint;
  constructor(seed: bigint, stream = 0n) {
    this.state = (((seed % (1n << 64n)) + (1n << 64n)) ^ (stream * 0x632be59bd9b4e019n)) & MASK64;
  }
  next(): number {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z = z ^ (z >> 31n);
    return Number(z >> 11n) / 2 ** 53;
  }
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

export function blankImage(width: number, height: number): RgbImage {
  return { width, height, data: Buffer.alloc(width * height * 3) };
}

/** EmptyImage: a solid 0xRRGGBB fill. */
export function solidImage(width: number, height: number, color: number): RgbImage {
  const img = blankImage(width, height);
  const r = (color >> 16) & 0xff;
  const g = (color >> 8) & 0xff;
  const b = color & 0xff;
  for (let p = 0; p < width * height; p++) {
    img.data[p * 3] = r;
    img.data[p * 3 + 1] = g;
    img.data[p * 3 + 2] = b;
  }
  return img;
}

/** The seed's abstract background: a two-colour gradient under soft coloured discs. */
export function seedBackground(width: number, height: number, seed: bigint): RgbImage {
  const rnd = new SeedRandom(seed);
  const img = blankImage(width, height);
  const h0 = rnd.next() * 360;
  const c0 = hsl(h0, 0.45 + rnd.next() * 0.3, 0.3 + rnd.next() * 0.2);
  const c1 = hsl((h0 + 60 + rnd.next() * 120) % 360, 0.45 + rnd.next() * 0.3, 0.45 + rnd.next() * 0.2);
  const angle = rnd.next() * Math.PI * 2;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const diag = Math.hypot(width, height) || 1;
  const discs = Array.from({ length: 4 + Math.floor(rnd.next() * 5) }, () => ({
    x: rnd.next() * width,
    y: rnd.next() * height,
    r: (0.08 + rnd.next() * 0.27) * Math.min(width, height) + 1,
    color: hsl(rnd.next() * 360, 0.5 + rnd.next() * 0.4, 0.35 + rnd.next() * 0.35),
    alpha: 0.35 + rnd.next() * 0.3,
  }));
  const f = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, ((x - width / 2) * ca + (y - height / 2) * sa) / diag + 0.5));
      const p = (y * width + x) * 3;
      f[p] = c0[0] + (c1[0] - c0[0]) * t;
      f[p + 1] = c0[1] + (c1[1] - c0[1]) * t;
      f[p + 2] = c0[2] + (c1[2] - c0[2]) * t;
    }
  }
  for (const disc of discs) {
    const y0 = Math.max(0, Math.floor(disc.y - disc.r));
    const y1 = Math.min(height - 1, Math.ceil(disc.y + disc.r));
    const x0 = Math.max(0, Math.floor(disc.x - disc.r));
    const x1 = Math.min(width - 1, Math.ceil(disc.x + disc.r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dist = Math.sqrt((x - disc.x) ** 2 + (y - disc.y) ** 2) / disc.r;
        if (dist >= 1) continue;
        const a = disc.alpha * (dist < 0.8 ? 1 : (1 - dist) / 0.2);
        const p = (y * width + x) * 3;
        f[p] = f[p]! + (disc.color[0] - f[p]!) * a;
        f[p + 1] = f[p + 1]! + (disc.color[1] - f[p + 1]!) * a;
        f[p + 2] = f[p + 2]! + (disc.color[2] - f[p + 2]!) * a;
      }
    }
  }
  for (let k = 0; k < f.length; k++) img.data[k] = f[k]!;
  return img;
}

/** Mixes seeded noise into an image: `amount` 1 = pure noise (a latent early in sampling), 0 = unchanged. */
export function addNoise(img: RgbImage, seed: bigint, amount: number): RgbImage {
  const out = blankImage(img.width, img.height);
  const rnd = new SeedRandom(seed, 7n);
  let s = Math.floor(rnd.next() * 2 ** 31) | 1;
  for (let k = 0; k < img.data.length; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const n = (s >>> 0) % 256;
    out.data[k] = Math.round(img.data[k]! * (1 - amount) + n * amount);
  }
  return out;
}

function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, color: [number, number, number], alpha: number) {
  const x1 = Math.min(img.width, x0 + w);
  const y1 = Math.min(img.height, y0 + h);
  for (let y = Math.max(0, y0); y < y1; y++) {
    for (let x = Math.max(0, x0); x < x1; x++) {
      const p = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) img.data[p + c] = Math.round(img.data[p + c]! * (1 - alpha) + color[c]! * alpha);
    }
  }
}

function drawText(img: RgbImage, text: string, x0: number, y0: number, scale: number, color: [number, number, number]) {
  let x = x0;
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_H; gy++) {
      for (let gx = 0; gx < GLYPH_W; gx++) {
        if (!bits[gy * GLYPH_W + gx]) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = y0 + gy * scale + sy;
          if (py < 0 || py >= img.height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = x + gx * scale + sx;
            if (px < 0 || px >= img.width) continue;
            const p = (py * img.width + px) * 3;
            img.data[p] = color[0];
            img.data[p + 1] = color[1];
            img.data[p + 2] = color[2];
          }
        }
      }
    }
    x += CELL_W * scale;
  }
}

/** Word-wraps one label line to `cols` characters, continuation lines indented by two spaces. */
export function wrap(text: string, cols: number): string[] {
  const clean = printable(text);
  if (cols < 4) return [clean.slice(0, Math.max(1, cols))];
  const out: string[] = [];
  let line = '';
  const push = () => {
    out.push(line);
    line = '  ';
  };
  for (const word of clean.split(' ')) {
    let w = word;
    while (w.length > 0) {
      const room = cols - line.length - (line.trim().length > 0 ? 1 : 0);
      if (w.length <= room) {
        line += (line.trim().length > 0 ? ' ' : '') + w;
        w = '';
      } else if (line.trim().length > 0 && w.length <= cols - 2) {
        push();
      } else {
        const take = Math.max(1, room);
        line += (line.trim().length > 0 ? ' ' : '') + w.slice(0, take);
        w = w.slice(take);
        push();
      }
    }
  }
  if (line.trim().length > 0) out.push(line);
  return out.length > 0 ? out : [''];
}

/** Font scale for an image: about 50 characters across, at least 1. */
export const fontScale = (width: number, height: number): number => Math.max(1, Math.floor(Math.min(width, height * 1.5) / 330));

/** Prints label lines on a translucent panel over the image, top-down, as many as fit. */
export function drawLabel(img: RgbImage, lines: LabelLine[]): void {
  const scale = fontScale(img.width, img.height);
  const margin = Math.max(2, 3 * scale);
  const cols = Math.floor((img.width - 2 * margin) / (CELL_W * scale));
  const rows: { text: string; color: [number, number, number] }[] = [];
  for (const l of lines) for (const t of wrap(l.text, cols)) rows.push({ text: t, color: l.color ?? [255, 255, 255] });
  const maxRows = Math.max(1, Math.floor((img.height - 2 * margin) / (CELL_H * scale)));
  const shown = rows.slice(0, maxRows);
  const panelW = Math.min(img.width, Math.max(...shown.map((r) => r.text.length)) * CELL_W * scale + 2 * margin);
  const panelH = Math.min(img.height, shown.length * CELL_H * scale + 2 * margin);
  fillRect(img, 0, 0, panelW, panelH, [0, 0, 0], 0.62);
  shown.forEach((r, k) => drawText(img, r.text, margin, margin + k * CELL_H * scale + scale, scale, r.color));
}

/** ImageOps.contain: the largest size with the image's aspect ratio inside a max x max box. */
export function containSize(width: number, height: number, max: number): [number, number] {
  const imRatio = width / height;
  if (imRatio === 1) return [max, max];
  if (imRatio > 1) return [max, Math.max(1, Math.round((height / width) * max))];
  return [Math.max(1, Math.round((width / height) * max)), max];
}

/** Nearest-neighbour resize (for previews). */
export function resize(img: RgbImage, width: number, height: number): RgbImage {
  const out = blankImage(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y * img.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x * img.width) / width));
      img.data.copy(out.data, (y * width + x) * 3, (sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3);
    }
  }
  return out;
}
