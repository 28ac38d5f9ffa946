import { describe, expect, it } from 'vitest';
import { resumeFiles } from './resume-files';

const name = 'run_ab12';
const step = (n: number) => `${name}/${name}_${String(n).padStart(9, '0')}.safetensors`;

describe('what a start on another host pulls to resume a run', () => {
  it('takes the newest stored step save, and nothing else of the run', () => {
    const stored = [step(50), step(100), `${name}/samples/1__000000100_0.jpg`, 'owner.json', `kept/${name}_000000050.safetensors`];
    expect(resumeFiles(stored, name)).toEqual({ step: 100, final: false, files: [step(100)] });
  });

  it('takes the final file when the run has one: the engine then ends the run at once', () => {
    expect(resumeFiles([step(100), `${name}/${name}.safetensors`], name)).toEqual({ step: null, final: true, files: [`${name}/${name}.safetensors`] });
  });

  it("brings the optimizer state only with a continuation's seed, the one checkpoint it belongs to", () => {
    const seed = [step(200), `${name}/optimizer.pt`];
    expect(resumeFiles(seed, name)?.files).toEqual([step(200), `${name}/optimizer.pt`]);
    expect(resumeFiles([...seed, step(250)], name)?.files).toEqual([step(250)]);
  });

  it('finds nothing to resume in a run with no stored checkpoint, or with files of another name only', () => {
    expect(resumeFiles([], name)).toBeNull();
    expect(resumeFiles([`other/other_000000050.safetensors`, `${name}/samples/x.jpg`], name)).toBeNull();
  });
});
