import { z } from 'zod';
import { nameSchema, storable } from './text';

export const characterNameSchema = nameSchema;

export const triggerWordSchema = z
  .string({ error: 'Trigger word must be text' })
  .trim()
  .min(2, 'Trigger word must be at least 2 characters')
  .max(40, 'Trigger word can be at most 40 characters')
  .check(storable())
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'Trigger word can only use letters A–Z, digits, - and _ (no spaces)')
  // In a sample prompt the trainer reads "--" as the start of an option ("--w 512"), also where a trigger word
  // ending in "-" meets a dash of the prompt.
  .refine((t) => !t.includes('--') && !t.endsWith('-'), 'Trigger word cannot contain “--” or end with “-”');

export const notesSchema = z.string({ error: 'Notes must be text' }).max(2000, 'Notes can be at most 2000 characters').check(storable());

export const createCharacterInput = z.strictObject(
  {
    name: characterNameSchema,
    triggerWord: triggerWordSchema.optional(),
    notes: notesSchema.optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown field: ${issue.keys.join(', ')}` : undefined) },
);
export type CreateCharacterInput = z.input<typeof createCharacterInput>;

export const updateCharacterInput = z
  .strictObject(
    {
      name: characterNameSchema.optional(),
      triggerWord: triggerWordSchema.optional(),
      notes: notesSchema.optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown field: ${issue.keys.join(', ')}` : undefined) },
  )
  .refine((v) => Object.keys(v).length > 0, 'Send at least one of: name, triggerWord, notes');
export type UpdateCharacterInput = z.input<typeof updateCharacterInput>;

export const characterSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  triggerWord: z.string(),
  notes: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Character = z.infer<typeof characterSchema>;

export const characterListSchema = z.object({ items: z.array(characterSchema) });
export type CharacterList = z.infer<typeof characterListSchema>;

/**
 * A trigger word derived from a name: the name's ASCII letters and digits plus four characters of a hash of the
 * whole name, so that it is stable, rare (a common word would fight the model's own meaning) and never empty.
 */
export function defaultTriggerWord(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 24);
  let hash = 2166136261;
  for (const ch of name) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 16777619) >>> 0;
  return `${slug || 'subject'}_${hash.toString(36).slice(-4).padStart(4, '0')}`;
}
