import { open } from 'node:fs/promises';

/** The parts of a .safetensors file we read: its metadata and the tensors' names, dtypes and shapes. */
export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  /** Bytes the file must have: 8 + header + the end of the last tensor. */
  expectedSize: number;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class InvalidSafetensorsError extends Error {
  constructor(file: string, why: string) {
    super(`${file} is not a complete safetensors file: ${why}`);
    this.name = 'InvalidSafetensorsError';
  }
}

/**
 * Reads and checks a safetensors header (8-byte little-endian length, then JSON) without reading the tensors.
 * A file cut short (a save interrupted by a crash) is refused, so it is never resumed from or registered.
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 8) throw new InvalidSafetensorsError(file, 'shorter than 8 bytes');
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const length = Number(lengthBytes.readBigUInt64LE(0));
    if (length <= 0 || length > MAX_HEADER_BYTES || 8 + length > size) {
      throw new InvalidSafetensorsError(file, `header length ${length} does not fit a ${size}-byte file`);
    }
    const json = Buffer.alloc(length);
    await handle.read(json, 0, length, 8);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new InvalidSafetensorsError(file, 'the header is not JSON');
    }
    const { __metadata__: metadata = {}, ...tensors } = parsed as {
      __metadata__?: Record<string, string>;
    } & SafetensorsHeader['tensors'];
    let end = 0;
    for (const tensor of Object.values(tensors)) {
      const offsets = (tensor as { data_offsets?: unknown }).data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2) throw new InvalidSafetensorsError(file, 'a tensor has no data offsets');
      end = Math.max(end, Number(offsets[1]));
    }
    const expectedSize = 8 + length + end;
    if (size < expectedSize) throw new InvalidSafetensorsError(file, `${size} bytes, expected ${expectedSize}`);
    return { metadata, tensors, expectedSize };
  } finally {
    await handle.close();
  }
}

/** The step ai-toolkit recorded in a checkpoint (`training_info`), or undefined. */
export function trainingStep(header: SafetensorsHeader): number | undefined {
  try {
    const info = JSON.parse(header.metadata.training_info ?? '') as { step?: unknown };
    return typeof info.step === 'number' ? info.step : undefined;
  } catch {
    return undefined;
  }
}
