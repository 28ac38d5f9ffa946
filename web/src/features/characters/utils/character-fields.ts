import { defaultTriggerWord } from '../../../../../lib/contracts/characters';

export const CHARACTER_FIELDS = ['name', 'triggerWord', 'notes'] as const;
export type CharacterField = (typeof CHARACTER_FIELDS)[number];

/** The trigger word the server will derive from this name (it normalises the name the same way first). */
export function derivedTriggerWord(name: string): string | undefined {
  const normalised = name.normalize('NFC').trim();
  return normalised ? defaultTriggerWord(normalised) : undefined;
}
