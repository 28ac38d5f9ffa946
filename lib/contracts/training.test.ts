import { describe, expect, it } from 'vitest';
import { triggerWordSchema } from './characters';
import { resolveSettings, startTrainingInput, takesLearningRate } from './training';

describe('training settings: text the trainer would read as syntax, settings it would ignore', () => {
  it('refuses "--" in a sample prompt (the trainer cuts the prompt there and reads an option) and keeps everything else', () => {
    const parse = (samplePrompts: string[]) => startTrainingInput.safeParse({ preset: 'quick', advanced: { samplePrompts } });
    expect(parse(['[trigger] --w 64']).error?.issues[0]).toMatchObject({ path: ['advanced', 'samplePrompts', 0], message: expect.stringMatching(/cannot contain “--”/) });
    expect(parse(['a -- b']).success).toBe(false);
    expect(parse(['${HF_TOKEN} [trigger] costs $5, [name] — close-up, well-lit']).success).toBe(true);
  });

  it('refuses a trigger word that would make "--" in a prompt', () => {
    expect(triggerWordSchema.safeParse('ada--x').success).toBe(false);
    expect(triggerWordSchema.safeParse('ada-').success).toBe(false);
    expect(triggerWordSchema.safeParse('ada-x_1').success).toBe(true);
  });

  it('takes no learning rate with prodigy, which finds its own', () => {
    expect(takesLearningRate('prodigy')).toBe(false);
    expect(takesLearningRate('adamw8bit')).toBe(true);
    const refused = startTrainingInput.safeParse({ preset: 'quick', advanced: { optimizer: 'prodigy', learningRate: 0.001 } });
    expect(refused.error?.issues).toEqual([expect.objectContaining({ path: ['advanced', 'learningRate'], message: expect.stringMatching(/prodigy finds its own learning rate/) })]);
    expect(startTrainingInput.safeParse({ preset: 'quick', advanced: { optimizer: 'prodigy' } }).success).toBe(true);
    expect(startTrainingInput.safeParse({ preset: 'quick', advanced: { optimizer: 'adamw', learningRate: 0.001 } }).success).toBe(true);
    expect(resolveSettings('quick', { optimizer: 'prodigy' }).optimizer).toBe('prodigy');
  });
});
