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

/** The ai-toolkit simulator's note in a LoRA file it saved: the person that LoRA draws (never in a real file). */
export const SIM_FACE_KEY = 'isengard_simulator_face';

export interface SimulatedFace {
  /** How faithfully the LoRA draws the person at strength 1, 0-1. */
  fidelity: number;
  /** The LoRA has learnt its photos themselves: it draws a near-copy of one. */
  overfit: boolean;
  /** A JPEG of the person's face. */
  jpeg: Buffer;
}

/** The person a LoRA file of the ai-toolkit simulator draws, or null (another file, or one that does not read). */
export function simulatedFace(file: string): SimulatedFace | null {
  const fd = openSync(file, 'r');
  try {
    if (headerProblem(fd) !== null) return null;
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const header = Buffer.alloc(Number(lengthBytes.readBigUInt64LE(0)));
    readSync(fd, header, 0, header.length, 8);
    const note = (JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, unknown> }).__metadata__?.[SIM_FACE_KEY];
    if (typeof note !== 'string') return null;
    const face = JSON.parse(note) as { fidelity?: unknown; overfit?: unknown; jpeg?: unknown };
    if (typeof face.jpeg !== 'string' || typeof face.fidelity !== 'number') return null;
    return { fidelity: face.fidelity, overfit: face.overfit === true, jpeg: Buffer.from(face.jpeg, 'base64') };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
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
