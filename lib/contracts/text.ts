import { z } from 'zod';

/**
 * Control and text-direction override characters: refused in names (a character's, a token's), where they can
 * disguise what a person reads. Everything else, right-to-left scripts included, is welcome.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const DISGUISING = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const hex = (code: number) => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The first character of `text` that PostgreSQL cannot store, described for a person, or undefined when there is
 * none. Two kinds exist: NUL (U+0000), refused in `text` and `jsonb` alike, and a UTF-16 surrogate that is not half
 * of a pair (a character cut in two), which has no UTF-8 form. Everything else, control characters included, can be
 * stored; whether a field accepts them is that field's own rule.
 */
export function unstorableCharacter(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return hex(0);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return `${hex(code)}, half of a character cut in two`;
  }
  return undefined;
}

/** The message of a refused field; the API puts the field's name in front ("prompt: contains a character …"). */
export function unstorableMessage(found: string): string {
  return `contains a character that cannot be stored (${found})`;
}

/**
 * Refuses text the database cannot store, naming the character. Every free-text field of a request has it
 * (`z.string()….check(storable())`), so such text is a 400 that names the field instead of a 500 from the database.
 * The field's later checks are skipped: one clear reason, not a second one about the same character.
 */
export function storable() {
  return z.superRefine<string>((value, ctx) => {
    const found = unstorableCharacter(value);
    if (found) ctx.addIssue({ code: 'custom', message: unstorableMessage(found), input: value, continue: false });
  });
}

/**
 * `text` with each character the database cannot store replaced by U+FFFD (�). For text a machine reports (a GPU
 * worker relaying an engine's output, `z.string().overwrite(toStorable)`): refusing such a report would only make the
 * worker send it again and again, and the job's progress would stop.
 */
export function toStorable(text: string): string {
  if (unstorableCharacter(text) === undefined) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += text.slice(i, i + 2);
      i++;
    } else {
      out += code === 0 || (code >= 0xd800 && code <= 0xdfff) ? '\uFFFD' : text[i]!;
    }
  }
  return out;
}

/** A name a person gives (a character, a LoRA): one line of storable text, NFC, trimmed, 1–80 characters. */
export const nameSchema = z
  .string({ error: 'Name must be text' })
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'Name cannot be empty')
      .max(80, 'Name can be at most 80 characters')
      .check(storable())
      .refine((s) => !DISGUISING.test(s), 'Name cannot contain control or text-direction characters'),
  );
