import { describe, expect, it } from 'vitest';
import { withTrigger } from './trigger';

describe('captions name the person by the trigger word', () => {
  it("turns the captioner's first mention of the person into [trigger]", () => {
    expect(withTrigger('The person stands on a beach at sunset, wearing a white shirt.')).toBe('[trigger] stands on a beach at sunset, wearing a white shirt.');
    expect(withTrigger('A woman in a red coat on a city street; the woman smiles.')).toBe('[trigger] in a red coat on a city street; the woman smiles.');
  });

  it('starts the caption with it when the person is never mentioned, and keeps one already there', () => {
    expect(withTrigger('  Close-up,  soft window light\n')).toBe('[trigger], close-up, soft window light');
    expect(withTrigger('photo of [trigger], blue background')).toBe('photo of [trigger], blue background');
    expect(withTrigger('')).toBe('photo of [trigger]');
  });
});
