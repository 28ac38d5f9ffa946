import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptanceResult, Deadline, failed, info, measured, OUT_OF_TIME, peakOf, renderTable, rowsNotMeasured, secondsPerStep, skipped, withinBudget } from './gpu-acceptance-report';
import { locateFluxWeights, TRAINING_LAYOUT } from './gpu-acceptance-weights';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the deadline', () => {
  it('shares out what is left less the reserve, and refuses a step that cannot get its minimum', () => {
    const c = clock();
    const deadline = new Deadline(600_000, 30_000, c.now);
    expect(deadline.budget(240_000, 30_000)).toBe(240_000);
    c.advance(500_000);
    expect(deadline.leftMs()).toBe(70_000);
    expect(deadline.budget(240_000, 30_000)).toBe(70_000);
    expect(deadline.budget(240_000, 80_000)).toBeUndefined();
    c.advance(100_000);
    expect(deadline.leftMs()).toBe(0);
    expect(deadline.budget(1_000)).toBeUndefined();
    expect(deadline.elapsedMs()).toBe(600_000);
  });

  it('skips a step when out of time, without running it', async () => {
    const c = clock();
    const deadline = new Deadline(60_000, 30_000, c.now);
    c.advance(50_000);
    let ran = false;
    const outcome = await withinBudget(deadline, 10_000, 5_000, async () => (ran = true), c.now);
    expect(outcome).toEqual({ kind: 'skipped' });
    expect(ran).toBe(false);
    expect(rowsNotMeasured(['training 512 px'], outcome)).toEqual([skipped('training 512 px', OUT_OF_TIME)]);
  });

  it('aborts a step that runs past its budget and reports it as out of time', async () => {
    const deadline = new Deadline(30_000 + 50, 30_000);
    let abortedWith: unknown;
    const outcome = await withinBudget(deadline, 10_000, 0, (signal) => {
      // Never settles by itself: only the budget ends it.
      return new Promise<void>(() => signal.addEventListener('abort', () => (abortedWith = signal.reason)));
    });
    expect(outcome.kind).toBe('timeout');
    expect(String(abortedWith)).toMatch(/over its budget/);
    const [row] = rowsNotMeasured(['generation 1024², 20 steps'], outcome);
    expect(row).toMatchObject({ status: 'skipped', value: `skipped: ${OUT_OF_TIME}` });
    expect(row!.note).toMatch(/^stopped after/);
  });

  it('passes on a step’s value and turns its error into a failed row', async () => {
    const deadline = new Deadline(600_000, 0);
    expect(await withinBudget(deadline, 1_000, 0, async () => 42)).toMatchObject({ kind: 'done', value: 42 });
    const outcome = await withinBudget(deadline, 1_000, 0, async () => {
      throw new Error('generation failed: out of memory\nTraceback …');
    });
    expect(rowsNotMeasured(['generation'], outcome)).toEqual([failed('generation', 'generation failed: out of memory')]);
  });
});

describe('the table and the result', () => {
  it('is one markdown table, measure | value | note, with pipes and line breaks escaped', () => {
    const rows = [measured('training 512 px', 1.23456, 's/step', '50 steps'), info('GPU', 'NVIDIA H100 | 80 GB', 'line one\nline two'), skipped('the FLUX.1-dev measures', 'FLUX.1-dev weights absent')];
    expect(renderTable(rows).split('\n')).toEqual([
      '| measure | value | note |',
      '|---|---|---|',
      '| training 512 px | 1.23 s/step | 50 steps |',
      '| GPU | NVIDIA H100 \\| 80 GB | line one line two |',
      '| the FLUX.1-dev measures | skipped: FLUX.1-dev weights absent |  |',
    ]);
  });

  it('passes with skipped rows and fails with a failed one; the JSON keeps the numbers', () => {
    const startedAt = new Date('2026-01-01T00:00:00Z');
    const ok = acceptanceResult([measured('generation', 12.34, 's/image'), skipped('LoRA switch', OUT_OF_TIME)], { mode: 'gpu', startedAt, durationMs: 123_456, limitMs: 600_000 });
    expect(ok).toMatchObject({ passed: true, durationSeconds: 123.5, limitSeconds: 600, startedAt: '2026-01-01T00:00:00.000Z' });
    expect(ok.rows[0]).toMatchObject({ number: 12.34, unit: 's/image', value: '12.3 s/image' });
    const bad = acceptanceResult([failed('real-engine tier', 'exit code 1')], { mode: 'gpu', startedAt, durationMs: 1, limitMs: 1 });
    expect(bad.passed).toBe(false);
  });
});

describe('what is measured from samples', () => {
  it('takes s/step between the first and last observed steps, and the VRAM peak of a phase', () => {
    expect(
      secondsPerStep([
        [0, 0],
        [1_000, 2],
        [11_000, 22],
      ]),
    ).toBe(0.5);
    expect(secondsPerStep([[1_000, 3]])).toBeUndefined();
    const samples = [
      [0, 500],
      [500, 30_000],
      [1_000, 70_000],
      [1_500, 1_000],
    ] as const;
    expect(peakOf(samples, 400, 1_200)).toBe(70_000);
    expect(peakOf(samples, 2_000, 3_000)).toBeUndefined();
  });
});

describe('finding FLUX.1-dev’s weights', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const touch = (file: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
  };

  it('says what is missing and where it looked when there are none', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'acceptance-'));
    const found = locateFluxWeights({ baseModelsDir: path.join(root, 'models', 'base'), hubCache: path.join(root, 'hub') });
    expect(found.training).toBeUndefined();
    expect(found.generation).toBeUndefined();
    expect(found.missing).toEqual([TRAINING_LAYOUT, 'diffusion_models/flux1-dev.safetensors', 'vae/ae.safetensors', 'text_encoders/clip_l.safetensors', 'text_encoders/t5xxl_fp16.safetensors']);
    expect(found.searched).toEqual([path.join(root, 'models', 'base'), path.join(root, 'hub')]);
  });

  it('finds the Models page layout under the data root, and a Hugging Face snapshot for the encoders', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'acceptance-'));
    const base = path.join(root, 'models', 'base');
    touch(path.join(base, 'FLUX.1-dev', 'model_index.json'));
    touch(path.join(base, 'diffusion_models', 'flux1-dev.safetensors'));
    touch(path.join(base, 'vae', 'ae.safetensors'));
    const snapshot = path.join(root, 'hub', 'models--comfyanonymous--flux_text_encoders', 'snapshots', 'abc');
    touch(path.join(snapshot, 'clip_l.safetensors'));
    touch(path.join(snapshot, 't5xxl_fp16.safetensors'));
    const found = locateFluxWeights({ baseModelsDir: base, hubCache: path.join(root, 'hub') });
    expect(found.missing).toEqual([]);
    expect(found.training).toBe(path.join(base, 'FLUX.1-dev'));
    expect(found.generation).toEqual([
      { target: 'diffusion_models/flux1-dev.safetensors', file: path.join(base, 'diffusion_models', 'flux1-dev.safetensors') },
      { target: 'vae/ae.safetensors', file: path.join(base, 'vae', 'ae.safetensors') },
      { target: 'text_encoders/clip_l.safetensors', file: path.join(snapshot, 'clip_l.safetensors') },
      { target: 'text_encoders/t5xxl_fp16.safetensors', file: path.join(snapshot, 't5xxl_fp16.safetensors') },
    ]);
  });

  it('takes a --flux-dir that is a snapshot of the repository: the diffusers folder holds the single files too', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'acceptance-'));
    const dir = path.join(root, 'FLUX.1-dev');
    for (const file of ['model_index.json', 'flux1-dev.safetensors', 'ae.safetensors', 'clip_l.safetensors', 't5xxl_fp16.safetensors']) touch(path.join(dir, file));
    const found = locateFluxWeights({ fluxDir: dir, baseModelsDir: path.join(root, 'none'), hubCache: path.join(root, 'hub') });
    expect(found.training).toBe(dir);
    expect(found.generation?.map((g) => g.file)).toEqual(['flux1-dev.safetensors', 'ae.safetensors', 'clip_l.safetensors', 't5xxl_fp16.safetensors'].map((f) => path.join(dir, f)));
  });
});
