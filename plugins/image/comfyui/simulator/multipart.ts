/**
 * Just enough `multipart/form-data` parsing for `/upload/image`, with aiohttp's `request.post()` semantics: a part
 * with a filename is a file field; any other part is a text field (or bytes when its Content-Type is not text/*).
 * Non-multipart bodies: url-encoded forms are parsed, anything else gives an empty form.
 */

export interface FilePart {
  kind: 'file';
  filename: string;
  contentType: string | null;
  data: Buffer;
}

export type FormValue = FilePart | { kind: 'text'; value: string } | { kind: 'bytes'; value: Buffer };

function headerParam(header: string, name: string): string | null {
  const re = new RegExp(`(?:^|;)\\s*${name}\\*?=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const m = re.exec(header);
  if (!m) return null;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, '$1');
  const raw = (m[2] ?? '').trim();
  const ext = /^([\w-]+)''(.*)$/.exec(raw);
  return ext ? decodeURIComponent(ext[2]!) : raw;
}

export function parseForm(contentType: string | undefined, body: Buffer): Map<string, FormValue> {
  const out = new Map<string, FormValue>();
  const ct = contentType ?? '';
  if (/^application\/x-www-form-urlencoded/i.test(ct)) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!out.has(k)) out.set(k, { kind: 'text', value: v });
    return out;
  }
  if (!/^multipart\/form-data/i.test(ct)) return out;
  const boundary = headerParam(ct, 'boundary');
  if (!boundary) throw new Error('multipart: no boundary');
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) break;
    const headers = new Map<string, string>();
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headerEnd + 4);
    if (next < 0) break;
    const data = body.subarray(headerEnd + 4, next);
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    const filename = headerParam(disposition, 'filename');
    const partType = headers.get('content-type') ?? null;
    if (name !== null && !out.has(name)) {
      if (filename) out.set(name, { kind: 'file', filename, contentType: partType, data: Buffer.from(data) });
      else if (partType === null || partType.startsWith('text/')) out.set(name, { kind: 'text', value: data.toString('utf8') });
      else out.set(name, { kind: 'bytes', value: Buffer.from(data) });
    }
    pos = next + 2;
  }
  return out;
}
