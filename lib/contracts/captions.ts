import { z } from 'zod';
import { PHOTO_LIMITS } from './photos';
import { storable } from './text';

/** `short`: one line for training; `detailed`: a few sentences on the place, the clothes and the light. */
export const CAPTION_STYLES = ['short', 'detailed'] as const;
export type CaptionStyle = (typeof CAPTION_STYLES)[number];

export const CAPTION_JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type CaptionJobStatus = (typeof CAPTION_JOB_STATUSES)[number];

/** `POST /api/characters/:id/captions`: every photo of the character, or the chosen ones (overwritten even if edited). */
export const startCaptionsInput = z.strictObject({
  style: z.enum(CAPTION_STYLES, { error: `style must be one of: ${CAPTION_STYLES.join(', ')}` }).default('short'),
  photoIds: z
    .array(z.uuid({ error: 'photoIds must hold photo ids' }), { error: 'photoIds must be a list of photo ids' })
    .min(1, 'photoIds must name at least one photo (leave it out for all photos)')
    .max(PHOTO_LIMITS.maxPhotosPerCharacter, `photoIds can name at most ${PHOTO_LIMITS.maxPhotosPerCharacter} photos`)
    .optional(),
});
export type StartCaptionsInput = z.input<typeof startCaptionsInput>;

export const captionJobSchema = z.object({
  id: z.uuid(),
  characterId: z.uuid(),
  status: z.enum(CAPTION_JOB_STATUSES),
  style: z.enum(CAPTION_STYLES),
  /** The user chose the photos: their captions are rewritten even when edited. */
  explicit: z.boolean(),
  /** Photos to caption (known once the job has started), how many are done, and how many were left as edited. */
  total: z.number().int(),
  done: z.number().int(),
  skipped: z.number().int(),
  error: z.string().nullable(),
  /** The captioner that wrote them, `id@version`. */
  engine: z.string().nullable(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type CaptionJob = z.infer<typeof captionJobSchema>;

/** The newest caption job of a character, or null when it never had one. */
export const currentCaptionJobSchema = z.object({ job: captionJobSchema.nullable() });

const captionText = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .max(PHOTO_LIMITS.captionMaxLength, `${what} can be at most ${PHOTO_LIMITS.captionMaxLength} characters`)
    .check(storable());

/** `POST /api/characters/:id/captions/apply-all`: one caption for every photo of the character. */
export const applyCaptionInput = z.strictObject({ caption: captionText('caption') });

/** `POST /api/characters/:id/captions/replace`: find/replace across every caption of the character. */
export const replaceInCaptionsInput = z.strictObject({
  find: captionText('find').min(1, 'find must not be empty'),
  replace: captionText('replace'),
  matchCase: z.boolean({ error: 'matchCase must be true or false' }).default(true),
});
export type ReplaceInCaptionsInput = z.input<typeof replaceInCaptionsInput>;

/** What a bulk operation did: how many captions changed. */
export const captionsChangedSchema = z.object({ changed: z.number().int() });
export type CaptionsChanged = z.infer<typeof captionsChangedSchema>;

/** Every occurrence of `find` in `text` replaced (literally, no patterns), optionally ignoring case. */
export function replaceAllLiteral(text: string, find: string, replace: string, matchCase: boolean): string {
  if (find === '') return text;
  if (matchCase) return text.split(find).join(replace);
  const escaped = find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(escaped, 'gi'), () => replace);
}
