import { describe, expect, it } from 'vitest';
import { classifyFailure, type ExitFacts } from './failures';

const base: ExitFacts = { exitCode: 1, signal: null, errorMessage: undefined, stdoutTail: [], stderrTail: [], stopRequested: false, silent: false };

describe('classifyFailure', () => {
  it('recognises the engine\'s out-of-memory abort and a CUDA OOM, and does not retry them unchanged', () => {
    for (const errorMessage of ['OOM during training step 3 times in a row, aborting training', 'CUDA out of memory. Tried to allocate 2.00 GiB']) {
      expect(classifyFailure({ ...base, errorMessage })).toMatchObject({ code: 'oom', retryable: false });
    }
  });

  it('recognises missing photos, missing weights and a refused config', () => {
    expect(classifyFailure({ ...base, stderrTail: ['AssertionError: no images found in /d/ds'] }).code).toBe('no_images');
    expect(classifyFailure({ ...base, errorMessage: '/m/FLUX.1-dev does not appear to have a file named config.json' }).code).toBe('missing_weights');
    expect(classifyFailure({ ...base, errorMessage: 'config file is invalid. Unknown process type: x' })).toMatchObject({ code: 'bad_config', retryable: false });
  });

  it('calls anything else a crash worth retrying, in the engine\'s own last words', () => {
    const failure = classifyFailure({
      ...base,
      stderrTail: ['Traceback (most recent call last):', '  File "x.py", line 3', 'RuntimeError: CUDA error: an illegal memory access was encountered'],
    });
    expect(failure).toMatchObject({
      code: 'crash',
      retryable: true,
      message: 'The trainer exited with code 1: RuntimeError: CUDA error: an illegal memory access was encountered.',
    });
    expect(classifyFailure({ ...base, exitCode: null, signal: 'SIGTERM' }).message).toBe('The trainer was killed (SIGTERM).');
  });

  it('a SIGKILL nobody here sent, or a host allocation failure, is the machine running out of RAM: said plainly, not retried', () => {
    const cases: ExitFacts[] = [
      { ...base, exitCode: null, signal: 'SIGKILL' },
      { ...base, errorMessage: 'DataLoader worker (pid 4242) is killed by signal: Killed. ' },
      { ...base, stderrTail: ['Traceback (most recent call last):', 'MemoryError'] },
      { ...base, errorMessage: 'Unable to allocate 1.50 GiB for an array with shape (1024, 1024, 384) and data type float32' },
      { ...base, errorMessage: "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 2147483648 bytes." },
    ];
    for (const facts of cases) {
      const failure = classifyFailure(facts);
      expect(failure).toMatchObject({ code: 'ram_oom', retryable: false });
      expect(failure.message).toMatch(/^The machine ran out of memory \(RAM\)/);
    }
    // Our own kills are not: a stop, a silent engine.
    expect(classifyFailure({ ...base, exitCode: null, signal: 'SIGKILL', stopRequested: true }).code).toBe('stopped');
    expect(classifyFailure({ ...base, exitCode: null, signal: 'SIGKILL', silent: true }).code).toBe('hung');
    // The GPU's memory is another matter.
    expect(classifyFailure({ ...base, errorMessage: 'CUDA out of memory. Tried to allocate 2.00 GiB' }).code).toBe('oom');
  });

  it('puts a requested stop and a silent engine first', () => {
    expect(classifyFailure({ ...base, stopRequested: true, errorMessage: 'Job stopped' }).code).toBe('stopped');
    expect(classifyFailure({ ...base, silent: true, signal: 'SIGKILL' })).toMatchObject({ code: 'hung', retryable: true });
  });
});
