import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSafetensorsHeader, trainingStep } from '../../../lib/safetensors';
import { seedContinuation } from './continuation';
import { keepCheckpoint, saveRoot } from './work-dir';

/** A checkpoint as ai-toolkit writes it, as far as resuming reads it: the step in `training_info`, one tensor. */
function checkpointBytes(step: number): Buffer {
  const header = Buffer.from(JSON.stringify({ __metadata__: { training_info: JSON.stringify({ step, epoch: 0 }) }, t: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.alloc(2)]);
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function runs() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'continuation-'));
  dirs.push(root);
  const source = { runDir: path.join(root, 'training', 'a'), name: 'isengard_aaaa' };
  const target = { runDir: path.join(root, 'training', 'b'), name: 'isengard_bbbb' };
  const save = (step: number | 'final') => {
    const file = path.join(saveRoot(source.runDir, source.name), step === 'final' ? `${source.name}.safetensors` : `${source.name}_${String(step).padStart(9, '0')}.safetensors`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, checkpointBytes(step === 'final' ? 300 : step));
    writeFileSync(path.join(path.dirname(file), 'optimizer.pt'), `state at ${step}`);
    return file;
  };
  return { source, target, save, targetRoot: saveRoot(target.runDir, target.name) };
}

describe('seedContinuation: a new run resumes another run the way ai-toolkit resumes its own', () => {
  it('puts the checkpoint in the new save folder under the new name, with its step, and the optimizer state of that save', async () => {
    const { source, target, save, targetRoot } = runs();
    save(100);
    save(200);
    save('final');
    const seed = await seedContinuation({ ...source, step: 300 }, target);
    expect(seed).toEqual({ path: path.join(targetRoot, 'isengard_bbbb_000000300.safetensors'), step: 300, optimizerState: true });
    expect(readdirSync(targetRoot).sort()).toEqual(['isengard_bbbb_000000300.safetensors', 'optimizer.pt']);
    expect(trainingStep(await readSafetensorsHeader(seed!.path))).toBe(300);
    expect(readFileSync(path.join(targetRoot, 'optimizer.pt'), 'utf8')).toBe('state at final');
    // Again (a retried activity): the same result.
    expect(await seedContinuation({ ...source, step: 300 }, target)).toEqual(seed);
  });

  it('leaves the optimizer state behind when it belongs to a later save (a checkpoint kept on request)', async () => {
    const { source, target, save, targetRoot } = runs();
    await keepCheckpoint(source.runDir, save(100));
    rmSync(save(100));
    save(200);
    const seed = await seedContinuation({ ...source, step: 100 }, target);
    expect(seed).toMatchObject({ step: 100, optimizerState: false });
    expect(readdirSync(targetRoot)).toEqual(['isengard_bbbb_000000100.safetensors']);
  });

  it('answers null when the checkpoint is gone', async () => {
    const { source, target, save } = runs();
    save(200);
    expect(await seedContinuation({ ...source, step: 100 }, target)).toBeNull();
  });
});
