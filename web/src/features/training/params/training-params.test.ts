import { describe, expect, it } from 'vitest';
import { advancedSettingsSchema, PRESETS, trainingSettingsSchema } from '../../../../../lib/contracts/training';
import { checkAdvanced, formOf, TRAINING_PARAMS } from './training-params';

const balanced = PRESETS.balanced.settings;

describe('the training parameter table', () => {
  it('has an entry, with a hint, for every setting of the contract', () => {
    expect(TRAINING_PARAMS.map((p) => p.key).sort()).toEqual(Object.keys(trainingSettingsSchema.shape).sort());
    for (const p of TRAINING_PARAMS) expect(p.hint.length).toBeGreaterThan(40);
  });

  it('agrees with the contract on every number bound', () => {
    for (const p of TRAINING_PARAMS) {
      if (p.control.kind !== 'number') continue;
      const at = (value: number) => trainingSettingsSchema.safeParse({ ...balanced, [p.key]: value }).success;
      expect(at(p.control.min), `${p.key} at its minimum`).toBe(true);
      expect(at(p.control.max), `${p.key} at its maximum`).toBe(true);
      expect(at(p.control.min - (p.control.integer ? 1 : p.control.min / 2)), `${p.key} under its minimum`).toBe(false);
      expect(at(p.control.max * 2), `${p.key} over its maximum`).toBe(false);
      if (p.control.slider) {
        expect(p.control.slider.min).toBeGreaterThanOrEqual(p.control.min);
        expect(p.control.slider.max).toBeLessThanOrEqual(p.control.max);
      }
    }
  });

  it('offers exactly the choices the contract accepts', () => {
    for (const p of TRAINING_PARAMS) {
      if (p.control.kind !== 'select') continue;
      for (const option of p.control.options) {
        const value = p.key === 'rank' ? Number(option.value) : option.value;
        expect(trainingSettingsSchema.safeParse({ ...balanced, [p.key]: value }).success, `${p.key} = ${option.value}`).toBe(true);
      }
    }
  });
});

describe('checkAdvanced', () => {
  it('sends only what differs from the preset', () => {
    const form = { ...formOf(balanced), steps: 1200, rank: '32' };
    expect(checkAdvanced(form, balanced)).toEqual({ advanced: { steps: 1200, rank: 32 }, errors: {} });
  });

  it('reports problems by field, with the contract’s words', () => {
    const { errors } = checkAdvanced({ ...formOf(balanced), steps: 20, learningRate: Number.NaN, resolutions: [] }, balanced);
    expect(errors).toEqual({
      steps: 'Steps must be at least 100',
      learningRate: 'Enter a number',
      resolutions: 'Choose at least one resolution',
    });
  });
  it('with Prodigy, neither checks nor sends a learning rate (Prodigy finds its own)', () => {
    const form = { ...formOf(balanced), optimizer: 'prodigy', learningRate: Number.NaN };
    const check = checkAdvanced(form, balanced);
    expect(check).toEqual({ advanced: { optimizer: 'prodigy' }, errors: {} });
    expect(advancedSettingsSchema.safeParse(check.advanced).success).toBe(true);
    const changedBefore = checkAdvanced({ ...formOf(balanced), optimizer: 'prodigy', learningRate: 0.0005 }, balanced);
    expect(changedBefore.advanced).toEqual({ optimizer: 'prodigy' });
    // Back on AdamW the rate is a setting again.
    expect(checkAdvanced({ ...formOf(balanced), learningRate: 0.0005 }, balanced).advanced).toEqual({ learningRate: 0.0005 });
  });

  it('refuses a sample prompt the trainer would read as an option', () => {
    const { errors } = checkAdvanced({ ...formOf(balanced), samplePrompts: ['[trigger] --w 64'] }, balanced);
    expect(errors.samplePrompts).toMatch(/cannot contain “--”/);
  });
});
