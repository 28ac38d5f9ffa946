import { describe, expect, it } from 'vitest';
import { resumeFiles, storedCheckpoints } from './resume-files';

const name = 'run_ab12';
const step = (n: number) => `${name}/${name}_${String(n).padStart(9, '0')}.safetensors`;

describe('what a start on another host pulls to resume a run', () => {
  it('takes the newest stored step save, and nothing else of the run', () => {
    const stored = [step(50), step(100), `${name}/samples/1__000000100_0.jpg`, 'owner.json', `kept/${name}_000000050.safetensors`];
    expect(resumeFiles(stored, name)).toEqual({ step: 100, final: false, files: [step(100)], copies: [] });
  });

  it('takes the final file when the run has one: the engine then ends the run at once', () => {
    expect(resumeFiles([step(100), `${name}/${name}.safetensors`], name)).toEqual({ step: null, final: true, files: [`${name}/${name}.safetensors`], copies: [] });
  });

  it("brings the optimizer state only with a continuation's seed, the one checkpoint it belongs to", () => {
    const seed = [step(200), `${name}/optimizer.pt`];
    expect(resumeFiles(seed, name)?.files).toEqual([step(200), `${name}/optimizer.pt`]);
    expect(resumeFiles([...seed, step(250)], name)?.files).toEqual([step(250)]);
  });

  it('brings the optimizer state set aside at the newest save, to be copied to where the engine loads it', () => {
    const state = (n: number) => `optimizer/optimizer_${String(n).padStart(9, '0')}.pt`;
    expect(resumeFiles([step(100), step(150), state(150)], name)).toEqual({
      step: 150,
      final: false,
      files: [step(150), state(150)],
      copies: [{ from: state(150), to: `${name}/optimizer.pt` }],
    });
    // The state of an older save does not belong with the newest checkpoint.
    expect(resumeFiles([step(100), state(100), step(150)], name)).toEqual({ step: 150, final: false, files: [step(150)], copies: [] });
  });

  it('finds nothing to resume in a run with no stored checkpoint, or with files of another name only', () => {
    expect(resumeFiles([], name)).toBeNull();
    expect(resumeFiles([`other/other_000000050.safetensors`, `${name}/samples/x.jpg`], name)).toBeNull();
  });
});

describe("a run's checkpoints in the store", () => {
  it('lists the step saves and the final file, the kept ones marked (a kept one the engine pruned included)', () => {
    const kept = (n: number) => `kept/${name}_${String(n).padStart(9, '0')}.safetensors`;
    const stored = [`${name}/${name}.safetensors`, step(150), kept(50), step(100), kept(100), `${name}/optimizer.pt`, `${name}/samples/1__000000100_0.jpg`, 'optimizer/optimizer_000000150.pt'];
    expect(storedCheckpoints(stored, name)).toEqual([
      { file: kept(50), step: 50, final: false, kept: true },
      { file: step(100), step: 100, final: false, kept: true },
      { file: step(150), step: 150, final: false, kept: false },
      { file: `${name}/${name}.safetensors`, step: null, final: true, kept: false },
    ]);
  });

  it('lists none for files of another run name', () => {
    expect(storedCheckpoints([`other/other_000000050.safetensors`], name)).toEqual([]);
  });
});
