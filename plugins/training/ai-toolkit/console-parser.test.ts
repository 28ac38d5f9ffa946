import { describe, expect, it } from 'vitest';
import { ConsoleParser, parseDuration, parsePostfix, parseRate, parseTqdmRecord, type EngineEvent } from './console-parser';

function parse(name = 'my_first_flux_lora_v1') {
  const events: EngineEvent[] = [];
  const parser = new ConsoleParser(name, (e) => events.push(e));
  return { parser, events };
}

describe('tqdm records (spec §3.3)', () => {
  it('reads a mid-training record', () => {
    expect(parseTqdmRecord('my_first_flux_lora_v1:  13%|█▎        | 251/2000 [10:27<1:12:52,  2.50s/it, lr: 1.0e-04 loss: 4.123e-01]')).toEqual({
      desc: 'my_first_flux_lora_v1',
      n: 251,
      total: 2000,
      elapsedSeconds: 627,
      remainingSeconds: 4372,
      itPerSec: 0.4,
      postfix: 'lr: 1.0e-04 loss: 4.123e-01',
    });
  });

  it('reads the first draw, a resumed draw and a fast rate', () => {
    expect(parseTqdmRecord('my_first_flux_lora_v1:   0%|          | 0/2000 [00:00<?, ?it/s]')).toMatchObject({ n: 0, itPerSec: null, remainingSeconds: null });
    expect(parseTqdmRecord('my_first_flux_lora_v1:  50%|█████     | 1000/2000 [00:00<?, ?it/s]')).toMatchObject({ n: 1000 });
    expect(parseTqdmRecord('Generating Images:  40%|████      | 4/10 [00:02<00:03,  1.52it/s]')).toMatchObject({ desc: 'Generating Images', itPerSec: 1.52 });
  });

  it('parses durations, rates and postfixes', () => {
    expect([parseDuration('1:00:00'), parseDuration('00:59'), parseDuration('?')]).toEqual([3600, 59, null]);
    expect([parseRate('4.00s/it'), parseRate('12.5it/s'), parseRate('?it/s')]).toEqual([0.25, 12.5, null]);
    expect(parsePostfix('lr: 1.0e-04 loss: 4.123e-01')).toEqual({ lr: 1e-4, loss: 0.4123 });
    expect(parsePostfix('lr: 1.0e-04 loss: nan')).toEqual({ lr: 1e-4, loss: null });
  });
});

describe('ConsoleParser', () => {
  it('follows a run: loading, training progress, a save and a sample, the final save', () => {
    const { parser, events } = parse('job');
    parser.stdout('Running 1 job\n{\n  "type": "diffusion_trainer"\n}\nLoading Flux model\nLoading transformer\n');
    parser.stdout('Dataset: /data/ds\n  -  Found 20 images\n');
    parser.stderr('\rjob:   0%|          | 0/6 [00:00<?, ?it/s]');
    parser.stderr('\rjob:  17%|█▋        | 1/6 [00:01<00:05,  1.00it/s, lr: 1.0e-04 loss: 4.500e-01]');
    // The verified byte stream of a save then a sample at step 2 (spec §3.3).
    parser.stderr('\rjob:  33%|███▎      | 2/6 [00:02<00:04,  1.00it/s, lr: 1.0e-04 loss: 4.123e-01]\n');
    parser.stdout('Saving at step 2\nSaved checkpoint to output/job/job_000000002.safetensors\n');
    parser.stderr('\n\rGenerating Images:   0%|          | 0/2 [00:00<?, ?it/s]\x1b[A');
    parser.stderr('\n\rGenerating Images:  50%|█████     | 1/2 [00:01<00:01,  1.00it/s]\x1b[A\n\r      \x1b[A');
    parser.stdout('\n');
    parser.stderr('\rjob:  50%|█████     | 3/6 [00:04<00:03,  1.00it/s, lr: 1.0e-04 loss: 4.000e-01]');
    parser.stdout('Removing old save: output/job/job_000000001.safetensors\n');
    parser.stdout('Saved checkpoint to output/job/job.safetensors\n');
    parser.end();

    expect(events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase)).toEqual([
      'loading',
      'training',
      'saving',
      'sampling',
      'training',
    ]);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(progress[2]).toEqual({ type: 'progress', step: 2, totalSteps: 6, itPerSec: 1, remainingSeconds: 4, loss: 0.4123, lr: 1e-4 });
    expect(events).toContainEqual({ type: 'checkpoint', path: 'output/job/job_000000002.safetensors', step: 2, final: false });
    expect(events).toContainEqual({ type: 'checkpoint', path: 'output/job/job.safetensors', step: null, final: true });
    expect(events).toContainEqual({ type: 'pruned', path: 'output/job/job_000000001.safetensors' });
  });

  it('copes with records split across chunks', () => {
    const { parser, events } = parse('job');
    parser.stderr('\rjob:  17%|█▋        | 1/6 [00:01<00:05,  1.0');
    parser.stderr('0it/s, lr: 1.0e-04 loss: 4.500e-01]\rjob:  33%');
    parser.stderr('|███▎      | 2/6 [00:02<00:04,  1.00it/s]\r');
    expect(events.filter((e) => e.type === 'progress').map((e) => e.step)).toEqual([1, 2]);
  });

  it('reports a resume, OOM skips, the error line and a stop', () => {
    const { parser, events } = parse('job');
    parser.stdout('#### IMPORTANT RESUMING FROM output/job/job_000000750.safetensors ####\nLoading from output/job/job_000000750.safetensors\n');
    parser.stdout('Found step 750 in metadata, starting from there\n');
    parser.stdout('\n################################################\n# OOM during training step, skipping batch 1/3 #\n################################################\n');
    parser.stdout('Error running job: OOM during training step 3 times in a row, aborting training\n');
    parser.stdout('\n========================================\nJob stopped\n========================================\n');
    expect(events).toEqual([
      { type: 'resumed', step: 750 },
      { type: 'oom_skip', line: '# OOM during training step, skipping batch 1/3 #' },
      { type: 'error', message: 'OOM during training step 3 times in a row, aborting training' },
      { type: 'stopped' },
    ]);
  });

  it('keeps the last stderr lines that are not bars, for explaining a crash', () => {
    const { parser } = parse('job');
    parser.stderr('\rjob:  17%|█▋        | 1/6 [00:01<00:05,  1.00it/s]\nTraceback (most recent call last):\n  File "run.py", line 1\nRuntimeError: CUDA error\n');
    expect(parser.stderrTail.get()).toEqual(['Traceback (most recent call last):', '  File "run.py", line 1', 'RuntimeError: CUDA error']);
  });
});
