import { TRIGGER_TAG } from '../../lib/contracts/photos';

/** How a captioner is asked to name the person, so that the name can become the trigger word. */
export const PERSON_PLACEHOLDER = 'the person';

const PERSON_WORDS = /\b(?:the|a|this|one) (?:person|man|woman|young man|young woman|boy|girl|individual|subject)\b/i;

/**
 * A caption that names the person by the trigger word (`[trigger]`, replaced by the character's trigger word when
 * the dataset is written): the captioner's first mention of the person becomes `[trigger]`, or, when it never
 * mentions one, the caption starts with it. Whitespace is tidied; the text is never empty.
 */
export function withTrigger(text: string): string {
  const tidy = text.replace(/\s+/g, ' ').trim().replace(/^["']|["']$/g, '').trim();
  if (tidy.includes(TRIGGER_TAG)) return tidy;
  if (PERSON_WORDS.test(tidy)) return tidy.replace(PERSON_WORDS, TRIGGER_TAG);
  if (tidy === '') return `photo of ${TRIGGER_TAG}`;
  return `${TRIGGER_TAG}, ${tidy.charAt(0).toLowerCase()}${tidy.slice(1)}`;
}
