import { describe, expect, it } from 'vitest';
import { PRESETS, resolveSettings } from '../../../lib/contracts/training';
import { estimateDuration, sampleRounds, saves, speedKey } from './estimate';

const H100 = 'NVIDIA H100 80GB HBM3';

describe('the training duration estimate (ai-toolkit)', () => {
  it('uses the published speed of the GPU model: about 1.75 s a 1024 px step on an H100, 3.5 s on a 4090', () => {
    const settings = resolveSettings('quick', { resolutions: [1024] });
    const h100 = estimateDuration(settings, { gpuName: H100, measuredSecondsPerStep: null });
    const rtx4090 = estimateDuration(settings, { gpuName: 'NVIDIA GeForce RTX 4090', measuredSecondsPerStep: null });
    expect(h100).toMatchObject({ basis: 'table', secondsPerStep: 1.75 });
    expect(rtx4090).toMatchObject({ basis: 'table', secondsPerStep: 3.5 });
    expect(rtx4090.seconds!).toBeGreaterThan(1.8 * h100.seconds!);
    // An Ada card is not read as its Ampere namesake, nor a generic name as anything.
    expect(estimateDuration(settings, { gpuName: 'NVIDIA RTX 6000 Ada Generation', measuredSecondsPerStep: null }).secondsPerStep).toBe(3.5);
    expect(estimateDuration(settings, { gpuName: 'NVIDIA RTX A6000', measuredSecondsPerStep: null }).secondsPerStep).toBe(4.5);
  });

  it('prices a run of several resolutions at their mean step, and 512 px well below 1024 px', () => {
    const small = estimateDuration(resolveSettings('quick', { resolutions: [512] }), { gpuName: H100, measuredSecondsPerStep: null });
    const mixed = estimateDuration(resolveSettings('quick', { resolutions: [512, 768, 1024] }), { gpuName: H100, measuredSecondsPerStep: null });
    expect(small.secondsPerStep).toBe(0.65);
    expect(mixed.secondsPerStep).toBeCloseTo((0.65 + 1.05 + 1.75) / 3, 6);
  });

  it('adds loading, every sample image and every checkpoint save to the steps', () => {
    const settings = PRESETS.balanced.settings; // 2000 steps, samples and saves every 250, 5 prompts
    expect(sampleRounds(settings)).toBe(9); // baseline, 250…1750 inside the run, and after the last step
    expect(saves(settings)).toBe(8); // 250…1750 and the final file
    const estimate = estimateDuration(settings, { gpuName: H100, measuredSecondsPerStep: 1.2 });
    const sampling = 9 * 5 * 20 * 0.4 + 8 * 5;
    expect(estimate).toEqual({
      basis: 'measured',
      secondsPerStep: 1.2,
      samplingSeconds: sampling,
      startupSeconds: 180,
      seconds: Math.round(2000 * 1.2 + sampling + 180),
    });
  });

  it('prefers the measured speed; a low-VRAM run is slower; an unknown GPU with nothing measured has no estimate', () => {
    const settings = resolveSettings('quick', {});
    expect(estimateDuration(settings, { gpuName: 'Some Future GPU', measuredSecondsPerStep: null })).toEqual({
      seconds: null,
      basis: 'unknown',
      secondsPerStep: null,
      samplingSeconds: null,
      startupSeconds: null,
    });
    expect(estimateDuration(settings, { gpuName: null, measuredSecondsPerStep: null }).basis).toBe('unknown');
    const measuredHere = estimateDuration(settings, { gpuName: 'Some Future GPU', measuredSecondsPerStep: 0.5 });
    expect(measuredHere).toMatchObject({ basis: 'measured', secondsPerStep: 0.5, startupSeconds: 0 });
    expect(measuredHere.samplingSeconds).toBeGreaterThan(0);
    const low = estimateDuration(resolveSettings('quick', { lowVram: true }), { gpuName: H100, measuredSecondsPerStep: null });
    expect(low.secondsPerStep).toBeCloseTo(0.65 * 1.5, 6);
  });

  it('keys comparable runs by resolutions and memory switches, not by steps or rank', () => {
    const base = resolveSettings('balanced', {});
    expect(speedKey(base)).toBe('512/768/1024px·q8');
    expect(speedKey({ ...base, resolutions: [1024, 512, 768] })).toBe(speedKey(base));
    expect(speedKey(resolveSettings('high', {}))).toBe(speedKey(base));
    expect(speedKey({ ...base, lowVram: true })).not.toBe(speedKey(base));
    expect(speedKey({ ...base, resolutions: [512] })).not.toBe(speedKey(base));
  });
});
