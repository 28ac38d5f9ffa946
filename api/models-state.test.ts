import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelFileRow } from '../db/repositories/models';
import { BASE_MODEL_CATALOGUE } from '../lib/models/catalogue';
import { modelState } from './models-state';

const sdxl = BASE_MODEL_CATALOGUE.find((m) => m.id === 'sdxl')!;
const SIZE = sdxl.files[0]!.sizeBytes!;

function row(overrides: Partial<ModelFileRow>): ModelFileRow {
  return {
    id: 'sdxl/checkpoint',
    url: 'https://huggingface.co/x',
    filePath: 'models/base/checkpoints/sd_xl_base_1.0.safetensors',
    sizeBytes: SIZE,
    sha256: sdxl.files[0]!.sha256,
    bytesDone: 0,
    status: 'missing',
    errorCode: null,
    errorMessage: null,
    workflowId: 'models-sdxl',
    updatedAt: new Date(),
    ...overrides,
  };
}

describe('a model state: the database row, the disk and the workflow together', () => {
  let root: string;
  let base: string;
  const target = () => path.join(base, 'checkpoints', 'sd_xl_base_1.0.safetensors');
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'isengard-models-'));
    base = path.join(root, 'models', 'base');
    mkdirSync(path.join(base, 'checkpoints'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is missing without a row or a file, with the pinned total', () => {
    const model = modelState(sdxl, [], base, false, root);
    expect(model).toMatchObject({ state: 'missing', bytesDone: 0, totalBytes: SIZE, error: null, workflowId: 'models-sdxl' });
    expect(model.files[0]).toMatchObject({ state: 'missing', path: 'models/base/checkpoints/sd_xl_base_1.0.safetensors' });
  });

  it('reads a ready row whose file is gone as missing', () => {
    expect(modelState(sdxl, [row({ status: 'ready' })], base, false, root).state).toBe('missing');
  });

  it('counts the part file of a stopped download, and reads a download without its workflow as stopped', () => {
    writeFileSync(`${target()}.part`, Buffer.alloc(1234));
    const stale = modelState(sdxl, [row({ status: 'downloading', bytesDone: 1000 })], base, false, root);
    expect(stale.state).toBe('missing');
    expect(stale.files[0]).toMatchObject({ state: 'missing', bytesDone: 1234 });
    const live = modelState(sdxl, [row({ status: 'downloading', bytesDone: 1000 })], base, true, root);
    expect(live).toMatchObject({ state: 'downloading', bytesDone: 1234 });
  });

  it('carries the reason of a failure up to the model', () => {
    const model = modelState(sdxl, [row({ status: 'failed', errorCode: 'checksum_mismatch', errorMessage: 'damaged' })], base, false, root);
    expect(model).toMatchObject({ state: 'failed', error: { code: 'checksum_mismatch', message: 'damaged' } });
  });

  it('is ready when the file of a ready row is in place with its size', () => {
    writeFileSync(target(), Buffer.alloc(10));
    const model = modelState(sdxl, [row({ status: 'ready', sizeBytes: 10 })], base, false, root);
    expect(model).toMatchObject({ state: 'ready', bytesDone: 10 });
  });
});
