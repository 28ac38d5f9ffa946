import { rejectionReasons } from './rejection';

/** The photo formats intake accepts, recognised by their content. */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'heic';

/** How many leading bytes detection looks at. */
export const SNIFF_LENGTH = 512;

export type Detection = { format: PhotoFormat } | { rejection: string };

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
/** Generic HEIF brands: libheif decodes whatever codec is inside. */
const HEIF_BRANDS = new Set(['mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const VIDEO_BRANDS = /^(isom|iso\d|mp4[12v]|avc1|qt {2}|M4V |M4VP|3g[p2].|f4v |dash|crx )$/;

function startsWith(bytes: Uint8Array, signature: readonly number[] | string, at = 0): boolean {
  const sig = typeof signature === 'string' ? [...signature].map((c) => c.charCodeAt(0)) : signature;
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** The major and compatible brands of an ISO-BMFF `ftyp` box (HEIF, AVIF, MP4, MOV…), or null. */
function isoBrands(head: Uint8Array): string[] | null {
  if (!startsWith(head, 'ftyp', 4) || head.length < 12) return null;
  const boxSize = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
  const end = Math.min(boxSize, head.length);
  const brands = [ascii(head, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(head, at, at + 4));
  return brands;
}

function detectIsoMedia(brands: string[]): Detection {
  if (brands.some((b) => HEIC_BRANDS.has(b))) return { format: 'heic' };
  if (brands.some((b) => AVIF_BRANDS.has(b))) return { rejection: rejectionReasons.notAccepted('AVIF images') };
  if (brands.some((b) => HEIF_BRANDS.has(b))) return { format: 'heic' };
  if (brands[0] === 'crx ') return { rejection: rejectionReasons.notAccepted('TIFF and camera RAW files') };
  if (brands[0] === 'M4A ' || brands[0] === 'M4B ') return { rejection: rejectionReasons.notAPhoto('an audio file') };
  if (VIDEO_BRANDS.test(brands[0] ?? '')) return { rejection: rejectionReasons.notAPhoto('a video') };
  return { rejection: rejectionReasons.unknownFormat };
}

/** Control characters that text does not contain (tab, line breaks, form feed and escape aside). */
function isBinaryControl(code: number): boolean {
  return (code < 0x20 && !(code >= 0x09 && code <= 0x0d) && code !== 0x1b) || code === 0x7f;
}

/** Text is valid UTF-8 (or UTF-16 with a byte-order mark) without control characters other than whitespace. */
function asText(head: Uint8Array): string | null {
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return '';
  let text: string;
  try {
    // `stream: true`: the sample may end in the middle of a multi-byte character.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return null;
  }
  for (let i = 0; i < text.length; i++) if (isBinaryControl(text.charCodeAt(i))) return null;
  return text;
}

function detectText(head: Uint8Array): Detection | null {
  const text = asText(head);
  if (text === null) return null;
  const start = text.replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) {
    return { rejection: rejectionReasons.notAccepted('SVG images') };
  }
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return { rejection: rejectionReasons.notAPhoto('a web page') };
  }
  return { rejection: rejectionReasons.notAPhoto('a text file') };
}

/** Signatures of files people pick by mistake, and what to call them. */
const NOT_ACCEPTED: Array<[readonly number[] | string, string, number?]> = [
  ['GIF87a', 'GIF images'],
  ['GIF89a', 'GIF images'],
  ['II*\0', 'TIFF and camera RAW files'],
  ['MM\0*', 'TIFF and camera RAW files'],
  [[0xff, 0x0a], 'JPEG XL images'],
  [[0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a], 'JPEG XL images'],
  [[0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a], 'JPEG 2000 images'],
  ['8BPS', 'Photoshop files'],
  ['FUJIFILMCCD-RAW', 'TIFF and camera RAW files'],
];

const NOT_PHOTOS: Array<[readonly number[] | string, string]> = [
  ['%PDF-', 'a PDF document'],
  ['PK\x03\x04', 'a ZIP archive or an office document'],
  [[0x1f, 0x8b], 'a compressed archive'],
  ['7z\xbc\xaf\x27\x1c', 'a compressed archive'],
  ['Rar!\x1a\x07', 'a compressed archive'],
  ['\x7fELF', 'a program'],
  [[0x1a, 0x45, 0xdf, 0xa3], 'a video'],
  ['ID3', 'an audio file'],
  ['OggS', 'an audio file'],
  ['fLaC', 'an audio file'],
];

/** Bitmap files start with "BM" and a DIB header of one of a few known sizes, which tells them from text. */
function isBmp(head: Uint8Array): boolean {
  return startsWith(head, 'BM') && head.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(head[14]!);
}

/**
 * What a file is, from its first bytes (never from its name or the browser's Content-Type): one of the accepted
 * photo formats, or the reason it is refused, naming what it looks like when that is known.
 */
export function detectPhotoType(head: Uint8Array): Detection {
  if (head.length === 0) return { rejection: rejectionReasons.empty };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png' };
  if (startsWith(head, 'RIFF')) {
    if (startsWith(head, 'WEBP', 8)) return { format: 'webp' };
    if (startsWith(head, 'WAVE', 8)) return { rejection: rejectionReasons.notAPhoto('an audio file') };
    if (startsWith(head, 'AVI ', 8)) return { rejection: rejectionReasons.notAPhoto('a video') };
  }
  const brands = isoBrands(head);
  if (brands) return detectIsoMedia(brands);
  for (const [signature, kind] of NOT_ACCEPTED) {
    if (startsWith(head, signature)) return { rejection: rejectionReasons.notAccepted(kind) };
  }
  if (isBmp(head)) return { rejection: rejectionReasons.notAccepted('BMP images') };
  for (const [signature, what] of NOT_PHOTOS) {
    if (startsWith(head, signature)) return { rejection: rejectionReasons.notAPhoto(what) };
  }
  const text = detectText(head);
  if (text) return text;
  // Two letters only: checked after text, so a note that starts with "MZ" is still called a text file.
  if (startsWith(head, 'MZ')) return { rejection: rejectionReasons.notAPhoto('a program') };
  return { rejection: rejectionReasons.unknownFormat };
}

