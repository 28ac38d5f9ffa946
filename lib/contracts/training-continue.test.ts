import { describe, expect, it } from 'vitest';
import { continuedSettings, continueTrainingInput, PRESETS } from './training';

const source = { ...PRESETS.quick.settings, steps: 1000 };

describe('the settings of a continued run', () => {
  it('counts the steps on from the start step, changes only what a resume can, and keeps the rest', () => {
    const input = continueTrainingInput.parse({ additionalSteps: 500, settings: { learningRate: 0.0002, saveEvery: 100 } });
    expect(continuedSettings(source, 1000, input)).toEqual({ ...source, steps: 1500, learningRate: 0.0002, saveEvery: 100 });
  });

  it('refuses settings that would break the LoRA or its optimizer state', () => {
    for (const settings of [{ rank: 32 }, { optimizer: 'adamw' }, { resolutions: [512] }, { quantize: false }, { samplePrompts: [] }]) {
      expect(continueTrainingInput.safeParse({ additionalSteps: 100, settings }).success).toBe(false);
    }
  });

  it('keeps a run within 100 to 10000 steps in all, saying how many may be added', () => {
    expect(() => continuedSettings(source, 20, continueTrainingInput.parse({ additionalSteps: 50 }))).toThrow('from step 20, add at least 80');
    expect(() => continuedSettings(source, 9_960, continueTrainingInput.parse({ additionalSteps: 50 }))).toThrow('add at most 40');
    expect(continueTrainingInput.safeParse({ additionalSteps: 49 }).success).toBe(false);
  });

  it('takes no learning rate for prodigy, which finds its own', () => {
    const prodigy = { ...source, optimizer: 'prodigy' as const };
    expect(() => continuedSettings(prodigy, 1000, continueTrainingInput.parse({ additionalSteps: 100, settings: { learningRate: 0.001 } }))).toThrow(/prodigy/);
    expect(continuedSettings(prodigy, 1000, continueTrainingInput.parse({ additionalSteps: 100 })).steps).toBe(1100);
  });
});
