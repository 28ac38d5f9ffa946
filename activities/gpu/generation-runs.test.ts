import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageProgress } from '../../plugins/image/interface';
import { EarlyGenerations, GenerationRun } from './generation-runs';

/** An engine that reports what it is told to and ends when told to (or when aborted). */
function controllableEngine() {
  const calls: Array<{ onProgress: ImageProgress; signal: AbortSignal; finish: () => void }> = [];
  const start = vi.fn(
    (onProgress: ImageProgress, signal: AbortSignal) =>
      new Promise<[]>((resolve, reject) => {
        calls.push({ onProgress, signal, finish: () => resolve([]) });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  );
  return { start, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('GenerationRun', () => {
  it('gives a late follower the latest progress, then every report', async () => {
    const engine = controllableEngine();
    const run = new GenerationRun(engine.start);
    engine.calls[0]!.onProgress(0);
    engine.calls[0]!.onProgress(0.25);
    const heard: number[] = [];
    run.follow((fraction) => heard.push(fraction));
    engine.calls[0]!.onProgress(0.5);
    engine.calls[0]!.finish();
    await expect(run.outcome).resolves.toEqual([]);
    expect(heard).toEqual([0.25, 0.5]);
  });

  it('interrupts the engine when aborted; a failure nobody awaits is not an unhandled rejection', async () => {
    const engine = controllableEngine();
    const run = new GenerationRun(engine.start);
    run.abort(new Error('stop'));
    expect(engine.calls[0]!.signal.aborted).toBe(true);
    await expect(run.outcome).rejects.toThrow('stop');
  });

  it('answers an engine that cannot even begin with its failure', async () => {
    const run = new GenerationRun(() => {
      throw new Error('No image engine is registered');
    });
    await expect(run.outcome).rejects.toThrow('No image engine is registered');
  });
});

describe('EarlyGenerations', () => {
  it('starts a job once, hands it over once', () => {
    const early = new EarlyGenerations(60_000);
    const engine = controllableEngine();
    early.start('generation-a', engine.start);
    early.start('generation-a', engine.start); // a repeated acquire of the same job
    expect(engine.start).toHaveBeenCalledTimes(1);
    const run = early.claim('generation-a');
    expect(run).toBeInstanceOf(GenerationRun);
    expect(early.claim('generation-a')).toBeUndefined();
    expect(early.drop('generation-a', 'released')).toBe(false);
    expect(engine.calls[0]!.signal.aborted).toBe(false);
  });

  it('interrupts a run nobody claims: when its slot is released, or after the waiting time', () => {
    vi.useFakeTimers();
    const unclaimed: string[] = [];
    const early = new EarlyGenerations(1_000, (jobId) => unclaimed.push(jobId));
    const engine = controllableEngine();
    early.start('generation-released', engine.start);
    early.start('generation-forgotten', engine.start);
    expect(early.drop('generation-released', 'released')).toBe(true);
    expect(engine.calls[0]!.signal.aborted).toBe(true);
    expect(engine.calls[1]!.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(engine.calls[1]!.signal.aborted).toBe(true);
    expect(unclaimed).toEqual(['generation-forgotten']);
    expect(early.jobs()).toEqual([]);
  });
});
