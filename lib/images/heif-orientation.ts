import type { ExifOrientation } from './orientation';

/**
 * HEIF rotates and mirrors with item properties (`irot`, `imir`) instead of EXIF, and libheif applies them while
 * decoding. This reads them for the primary image from the `meta` box so intake can record, in EXIF terms, what
 * was turned upright. Anything unexpected reads as upright: it only feeds the record, never the pixels.
 */

interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) return;
    yield { type: buf.toString('latin1', at + 4, at + 8), start: at + header, end: at + size };
    at += size;
  }
}

const child = (buf: Buffer, parent: Box, type: string, offset = 0) =>
  [...boxes(buf, parent.start + offset, parent.end)].find((b) => b.type === type);

/** The ipco property indices (from 1) associated with an item, in order, from an `ipma` box. */
function propertiesOf(buf: Buffer, ipma: Box, itemId: number): number[] {
  const version = buf[ipma.start]!;
  const wideIndices = (buf.readUInt32BE(ipma.start) & 1) === 1;
  let at = ipma.start + 4;
  const entries = buf.readUInt32BE(at);
  at += 4;
  for (let e = 0; e < entries && at < ipma.end; e++) {
    const id = version < 1 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
    at += version < 1 ? 2 : 4;
    const count = buf[at++]!;
    const indices: number[] = [];
    for (let a = 0; a < count; a++) {
      indices.push(wideIndices ? buf.readUInt16BE(at) & 0x7fff : buf[at]! & 0x7f);
      at += wideIndices ? 2 : 1;
    }
    if (id === itemId) return indices;
  }
  return [];
}

/** EXIF orientation of "rotate `quarterTurns` × 90° anticlockwise, then mirror about `axis`" (HEIF's order). */
const AS_EXIF: Record<string, ExifOrientation> = {
  '0': 1, '1': 8, '2': 3, '3': 6,
  '0:0': 2, '1:0': 7, '2:0': 4, '3:0': 5,
  '0:1': 4, '1:1': 5, '2:1': 2, '3:1': 7,
};

/** The rotation and mirroring HEIF declares for its primary image, as an EXIF orientation (1 when none). */
export function heifOrientation(buf: Buffer): ExifOrientation {
  try {
    const meta = [...boxes(buf, 0, buf.length)].find((b) => b.type === 'meta');
    if (!meta) return 1;
    const pitm = child(buf, meta, 'pitm', 4);
    const iprp = child(buf, meta, 'iprp', 4);
    const ipco = iprp && child(buf, iprp, 'ipco');
    const ipma = iprp && child(buf, iprp, 'ipma');
    if (!pitm || !ipco || !ipma) return 1;
    const primary = buf[pitm.start] === 0 ? buf.readUInt16BE(pitm.start + 4) : buf.readUInt32BE(pitm.start + 4);
    const properties = [...boxes(buf, ipco.start, ipco.end)];
    let quarterTurns = 0;
    let axis: number | undefined;
    for (const index of propertiesOf(buf, ipma, primary)) {
      const property = properties[index - 1];
      if (property?.type === 'irot') quarterTurns = buf[property.start]! & 3;
      if (property?.type === 'imir') axis = buf[property.start]! & 1;
    }
    return AS_EXIF[axis === undefined ? `${quarterTurns}` : `${quarterTurns}:${axis}`] ?? 1;
  } catch {
    return 1; // a malformed box: decoding will say what is wrong with the file
  }
}
