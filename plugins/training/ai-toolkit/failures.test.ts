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
    expect(classifyFailure({ ...base, exitCode: null, signal: 'SIGKILL' }).message).toBe('The trainer was killed (SIGKILL).');
  });

  it('puts a requested stop and a silent engine first', () => {
    expect(classifyFailure({ ...base, stopRequested: true, errorMessage: 'Job stopped' }).code).toBe('stopped');
    expect(classifyFailure({ ...base, silent: true, signal: 'SIGKILL' })).toMatchObject({ code: 'hung', retryable: true });
  });
});
