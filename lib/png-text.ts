import { crc32 } from 'node:zlib';

/**
 * PNG text chunks: Isengard writes each image's generation parameters into the file itself (like ComfyUI and
 * other tools do), so an image downloaded from the gallery still says how it was made.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function isPng(bytes: Buffer): boolean {
  return bytes.length > 33 && bytes.subarray(0, 8).equals(SIGNATURE);
}

/** Width and height from the IHDR chunk. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  if (!isPng(bytes)) throw new Error('Not a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Adds `iTXt` chunks (UTF-8 text, uncompressed) right after IHDR; existing chunks are kept. */
export function addPngText(bytes: Buffer, entries: Record<string, string>): Buffer {
  if (!isPng(bytes)) throw new Error('Not a PNG file');
  const ihdrEnd = 8 + 12 + bytes.readUInt32BE(8);
  const texts = Object.entries(entries).map(([keyword, text]) =>
    // keyword \0 compression-flag compression-method language \0 translated-keyword \0 text
    chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')])),
  );
  return Buffer.concat([bytes.subarray(0, ihdrEnd), ...texts, bytes.subarray(ihdrEnd)]);
}

/** Every tEXt and iTXt chunk of a PNG, keyword → text. */
export function readPngText(bytes: Buffer): Record<string, string> {
  if (!isPng(bytes)) throw new Error('Not a PNG file');
  const out: Record<string, string> = {};
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'tEXt') {
      const zero = data.indexOf(0);
      out[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
    } else if (type === 'iTXt') {
      const zero = data.indexOf(0);
      const keyword = data.toString('latin1', 0, zero);
      // Skip compression flag and method, then the language tag and the translated keyword (both 0-terminated).
      const language = data.indexOf(0, zero + 3);
      const translated = data.indexOf(0, language + 1);
      if (data[zero + 1] === 0) out[keyword] = data.toString('utf8', translated + 1);
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return out;
}
