/**
 * What `safetensors.safe_open` says of a file it cannot read (the Rust crate's `read_metadata`, as ComfyUI's loaders
 * meet it): the 8-byte header length, the JSON header, and tensors that cover the data exactly. Only the header is
 * read. Verified against the real engine: "header too large" and "incomplete metadata, file not fully covered"
 * (comfyui.md §10); the other wordings follow the crate.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** `MAX_HEADER_SIZE` of the safetensors crate. */
const MAX_HEADER_SIZE = 100_000_000;

/** The exception ComfyUI reports (`exception_type`) for such a file. */
export const SAFETENSOR_ERROR_TYPE = 'safetensors._safetensors_rust.SafetensorError';

function headerProblem(fd: number): string | null {
  const size = fstatSync(fd).size;
  if (size < 8) return 'header too small';
  const lengthBytes = Buffer.alloc(8);
  readSync(fd, lengthBytes, 0, 8, 0);
  const n = lengthBytes.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_SIZE)) return 'header too large';
  const stop = 8 + Number(n);
  if (stop > size) return 'invalid header length';
  const header = Buffer.alloc(stop - 8);
  readSync(fd, header, 0, header.length, 8);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(header);
  } catch {
    return 'invalid UTF-8 in header';
  }
  if (!text.startsWith('{')) return 'invalid start character in header, must be `{`';
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    return `invalid JSON in header: ${(err as Error).message}`;
  }
  const tensors = Object.entries(parsed)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, info]) => ({ name, offsets: (info as { data_offsets?: unknown } | null)?.data_offsets }));
  const spans: Array<{ name: string; start: number; end: number }> = [];
  for (const { name, offsets } of tensors) {
    if (!Array.isArray(offsets) || offsets.length !== 2) return `invalid JSON in header: tensor \`${name}\` has no data_offsets`;
    spans.push({ name, start: Number(offsets[0]), end: Number(offsets[1]) });
  }
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  let end = 0;
  for (const span of spans) {
    if (span.start !== end || span.end < span.start) return `invalid offset for tensor \`${span.name}\``;
    end = span.end;
  }
  return stop + end === size ? null : 'incomplete metadata, file not fully covered';
}

/** Why safetensors refuses `file` ("Error while deserializing header: …"), or null when it reads. */
export function safetensorsLoadError(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const problem = headerProblem(fd);
    return problem === null ? null : `Error while deserializing header: ${problem}`;
  } finally {
    closeSync(fd);
  }
}

/** The smallest file safetensors reads: a header with metadata only, padded with spaces to 8 bytes. */
export function emptySafetensors(metadata: Record<string, string> = {}): Buffer {
  let json = JSON.stringify({ __metadata__: metadata });
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json)]);
}
