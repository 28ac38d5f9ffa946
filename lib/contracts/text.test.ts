import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loginInput, setupInput, tokenInput } from './auth';
import { createCharacterInput, updateCharacterInput } from './characters';
import { generationProgressReportSchema } from './generation-report';
import { galleryQuery, generationInput } from './generations';
import { gpuWorkerReportSchema } from './gpu-workers';
import { updatePhotoInput } from './photos';
import { trainingReportSchema } from './training-report';
import { startTrainingInput } from './training';
import { toStorable, unstorableCharacter } from './text';

const NUL = '\u0000';
const HIGH = '\uD83D';
const LOW = '\uDE00';
const EMOJI = '\uD83D\uDE00';

describe('unstorableCharacter', () => {
  it('finds NUL and halves of surrogate pairs, and nothing else', () => {
    expect(unstorableCharacter(`a${NUL}b`)).toBe('U+0000');
    expect(unstorableCharacter(`a${HIGH}`)).toBe('U+D83D, half of a character cut in two');
    expect(unstorableCharacter(`${HIGH}b`)).toBe('U+D83D, half of a character cut in two');
    expect(unstorableCharacter(`${LOW}b`)).toBe('U+DE00, half of a character cut in two');
    expect(unstorableCharacter(`${LOW}${HIGH}`)).toBe('U+DE00, half of a character cut in two');
    expect(unstorableCharacter(`${HIGH}${HIGH}${LOW}`)).toBe('U+D83D, half of a character cut in two');
    for (const fine of ['', 'plain', `smile ${EMOJI}${EMOJI}`, 'tab\tnew\nline\u0001\u007f', 'שלום ‮', '\uFFFD\uFFFF']) {
      expect(unstorableCharacter(fine), JSON.stringify(fine)).toBeUndefined();
    }
  });
});

describe('toStorable', () => {
  it('replaces what cannot be stored by U+FFFD and keeps the rest, whole pairs included', () => {
    expect(toStorable(`a${NUL}b${HIGH}c${LOW}${EMOJI}`)).toBe(`a\uFFFDb\uFFFDc\uFFFD${EMOJI}`);
    expect(toStorable(`${HIGH}${HIGH}${LOW}`)).toBe(`\uFFFD${EMOJI}`);
    const fine = `tab\there ${EMOJI}`;
    expect(toStorable(fine)).toBe(fine);
  });
});

/** The message the API shows for a field (api/errors.ts puts the path in front of the issue's message). */
function problems(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Every free-text field of every request the API takes, with a valid request around it. */
const FIELDS: Array<[string, z.ZodType, (text: string) => unknown, string]> = [
  ['generation prompt', generationInput, (t) => ({ prompt: `a cat ${t}` }), 'prompt'],
  ['generation negative prompt', generationInput, (t) => ({ prompt: 'a cat', baseModel: 'sdxl', negativePrompt: t }), 'negativePrompt'],
  ['gallery cursor', galleryQuery, (t) => ({ cursor: `abc${t}` }), 'cursor'],
  ['new character name', createCharacterInput, (t) => ({ name: `Ada ${t}` }), 'name'],
  ['new character trigger word', createCharacterInput, (t) => ({ name: 'Ada', triggerWord: `ada${t}` }), 'triggerWord'],
  ['new character notes', createCharacterInput, (t) => ({ name: 'Ada', notes: t }), 'notes'],
  ['character name', updateCharacterInput, (t) => ({ name: `Ada ${t}` }), 'name'],
  ['character trigger word', updateCharacterInput, (t) => ({ triggerWord: `ada${t}` }), 'triggerWord'],
  ['character notes', updateCharacterInput, (t) => ({ notes: t }), 'notes'],
  ['photo caption', updatePhotoInput, (t) => ({ caption: `photo of [trigger] ${t}` }), 'caption'],
  ['training sample prompt', startTrainingInput, (t) => ({ preset: 'quick', advanced: { samplePrompts: ['fine', `[trigger] ${t}`] } }), 'advanced.samplePrompts.1'],
  ['API token name', tokenInput, (t) => ({ name: `ci ${t}` }), 'name'],
  ['login password', loginInput, (t) => ({ password: `secret ${t}` }), 'password'],
  ['setup password', setupInput, (t) => ({ setupCode: 'abc', password: `long enough ${t}` }), 'password'],
  ['setup code', setupInput, (t) => ({ setupCode: `abc${t}`, password: 'long enough password' }), 'setupCode'],
  ['GPU worker id of a progress report', generationProgressReportSchema, (t) => ({ workerId: `w${t}`, progress: 0.5 }), 'workerId'],
];

describe('every free-text field of every request refuses text the database cannot store', () => {
  it.each(FIELDS)('%s', (_what, schema, request, field) => {
    expect(schema.safeParse(request('fine')).success).toBe(true);
    expect(problems(schema, request(NUL))).toEqual([`${field}: contains a character that cannot be stored (U+0000)`]);
    expect(problems(schema, request(HIGH))).toEqual([`${field}: contains a character that cannot be stored (U+D83D, half of a character cut in two)`]);
    expect(problems(schema, request(LOW))).toEqual([`${field}: contains a character that cannot be stored (U+DE00, half of a character cut in two)`]);
  });

  it('welcomes whole characters beyond the basic plane (emoji) in free text', () => {
    expect(generationInput.safeParse({ prompt: `a cat ${EMOJI}` }).success).toBe(true);
    expect(createCharacterInput.safeParse({ name: `Ada ${EMOJI}`, notes: EMOJI }).success).toBe(true);
    expect(updatePhotoInput.safeParse({ caption: `photo of [trigger] ${EMOJI}` }).success).toBe(true);
    expect(tokenInput.safeParse({ name: `ci ${EMOJI}` }).success).toBe(true);
  });

  it('keeps the older rules of names: control and text-direction characters are refused, with their own reason', () => {
    expect(problems(createCharacterInput, { name: 'a\u0001b' })).toEqual(['name: Name cannot contain control or text-direction characters']);
    expect(problems(createCharacterInput, { name: 'good\u202Egpj.exe' })).toEqual(['name: Name cannot contain control or text-direction characters']);
    expect(problems(tokenInput, { name: 'ci\u202Egpj' })).toEqual(['name: A token name cannot contain control or text-direction characters']);
    // Multi-line fields keep tabs and newlines.
    expect(createCharacterInput.safeParse({ name: 'Ada', notes: 'line one\n\tline two' }).success).toBe(true);
    expect(generationInput.safeParse({ prompt: 'a cat,\nin the rain' }).success).toBe(true);
  });
});

describe('what GPU workers report is stored, with the characters the database cannot take replaced', () => {
  it('training reports: engine events and sample prompts', () => {
    const report = trainingReportSchema.parse({
      workerId: 'gpu0',
      attempt: 1,
      events: [{ kind: `warn${NUL}`, message: `CUDA said ${HIGH}${NUL}` }],
      samples: [{ step: 10, promptIndex: 0, prompt: `x${LOW}`, filePath: 'samples/a.png' }],
    });
    expect(report.events).toEqual([{ kind: 'warn\uFFFD', message: 'CUDA said \uFFFD\uFFFD' }]);
    expect(report.samples?.[0]?.prompt).toBe('x\uFFFD');
    expect(trainingReportSchema.safeParse({ workerId: 'gpu0', attempt: 1, samples: [{ step: 1, promptIndex: 0, prompt: null, filePath: `a${NUL}.png` }] }).success).toBe(false);
  });

  it('GPU worker status: engine messages', () => {
    const report = gpuWorkerReportSchema.parse({
      identity: 'host-1',
      hostname: 'host',
      queue: 'gpu',
      capacity: 1,
      engines: [{ kind: 'image', id: 'comfyui', label: 'ComfyUI', state: 'error', message: `died ${NUL}` }],
      jobs: [],
      startedAt: new Date().toISOString(),
    });
    expect(report.engines[0]?.message).toBe('died \uFFFD');
  });
});
