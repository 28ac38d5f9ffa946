import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logFilePath } from '../../lib/logger/logger';
import { startTestStack, type TestStack } from '../helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from '../helpers/training';

/** Each case gets a stack whose GPU worker runs the simulator with an injected fault. */
describe('training failures are explained, and retried only when that can help', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  async function trainWithFault(fault: string, settings: Record<string, unknown>, extraEnv: Record<string, string> = {}) {
    stack = await startTestStack({ env: extraEnv });
    await stack.startGpuWorker('gpu-faulty', { ISENGARD_SIM_FAULT: fault });
    const character = await characterWithPhotos(stack, `Fault ${fault}`, 2);
    const run = await startTraining(stack, character.id, settings);
    return { run, done: await waitForTraining(stack, run.id, finished, 90_000) };
  }

  it('out of memory: retried once with a lower-VRAM profile, recorded, and completed', async () => {
    const { run, done } = await trainWithFault('oom@30', { steps: 120, saveEvery: 50, sampleEvery: 1000 });
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.events.map((e) => e.message)).toContain(
      'The GPU ran out of memory: trying again with a lower-memory profile (slower; no 1024 px images)',
    );
    // The second engine start ran with the low-VRAM settings.
    const startsDir = path.join(stack!.config.storage.training, run.id, 'starts');
    const configs = readdirSync(startsDir)
      .filter((f) => /^[0-9a-f]{8}\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(path.join(startsDir, f), 'utf8')).config.process[0].model);
    expect(configs.map((m: { low_vram: boolean }) => m.low_vram).sort()).toEqual([false, true]);
  });

  it('repeated crashes: the run fails with the engine\'s last error in plain words', async () => {
    const crashes = [15, 25, 35, 45, 55, 65, 75].map((n) => `crash@${n}`).join(',');
    const { done } = await trainWithFault(crashes, { steps: 200, saveEvery: 50, sampleEvery: 1000 });
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('crash');
    expect(done.error?.message).toBe('The trainer exited with code 1: CUDA error: an illegal memory access was encountered.');
    // Every crash resumed from the newest checkpoint rather than starting over.
    expect(done.events.filter((e) => e.kind === 'gpu')).toHaveLength(1);
  });

  it('the machine running out of RAM (the kernel kills the trainer): said plainly, not retried', async () => {
    const { run, done } = await trainWithFault('ramoom@30', { steps: 120, saveEvery: 50, sampleEvery: 1000 });
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('ram_oom');
    expect(done.error?.message).toMatch(/^The machine ran out of memory \(RAM\)/);
    // One engine start: no retry, and no switch to the low-VRAM profile (which needs more RAM, not less).
    const startsDir = path.join(stack!.config.storage.training, run.id, 'starts');
    expect(readdirSync(startsDir).filter((f) => /^[0-9a-f]{8}\.json$/.test(f))).toHaveLength(1);
  });

  it('an engine that hangs without output is stopped and resumed from its checkpoint', async () => {
    const { run, done } = await trainWithFault('hang@70', { steps: 120, saveEvery: 50, sampleEvery: 1000 }, { ENGINE_SILENCE_SECONDS: '5' });
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const stderr = readFileSync(logFilePath(stack!.config.log.dir, 'worker', `subprocess/${run.id}.stderr`), 'utf8');
    expect(stderr).toContain('No output for 5 s: stopping the trainer');
    const stdout = readFileSync(logFilePath(stack!.config.log.dir, 'worker', `subprocess/${run.id}.stdout`), 'utf8');
    expect(stdout).toContain('Found step 50 in metadata, starting from there');
  });
});
