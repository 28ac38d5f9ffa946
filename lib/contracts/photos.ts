import { z } from 'zod';
import { storable } from './text';

/** Bounds of photo intake, shared by the API (enforced) and the web app (explained before upload). */
export const PHOTO_LIMITS = {
  /** Largest file accepted, in bytes. */
  maxFileBytes: 30 * 1024 * 1024,
  /** Largest picture accepted, in pixels (width × height), so a tiny file cannot expand into gigabytes. */
  maxPixels: 50_000_000,
  /** Most files in one upload request. */
  maxFilesPerUpload: 60,
  /** Most photos one character may have. */
  maxPhotosPerCharacter: 100,
  /** Photos with a shorter side are flagged "too small" (ai-toolkit never upscales). */
  minShortSide: 512,
  /** Recommended number of good photos for an identity LoRA. */
  recommended: { min: 10, max: 30 },
  captionMaxLength: 1000,
} as const;

/** The multipart/form-data field of `POST /api/characters/:id/photos` that carries the files. */
export const PHOTO_UPLOAD_FIELD = 'photos';

export const ACCEPTED_PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif'] as const;

/** What the intake checks measured, each with its verdict, so the UI can show the value behind a warning. */
export const photoChecksSchema = z.object({
  /** The EXIF orientation found in the file, and whether it had to be baked into the pixels. */
  orientation: z.object({ exif: z.number().int(), fixed: z.boolean() }).optional(),
  tooSmall: z.object({ shortSide: z.number(), minimum: z.number(), failed: z.boolean() }).optional(),
  blurry: z.object({ sharpness: z.number(), threshold: z.number(), failed: z.boolean() }).optional(),
  /** Another photo of the same character that looks the same (perceptual hash distance), or null. */
  duplicate: z.object({ ofPhotoId: z.string(), distance: z.number(), exact: z.boolean() }).nullable().optional(),
});
export type PhotoChecksContract = z.infer<typeof photoChecksSchema>;

export const photoSchema = z.object({
  id: z.uuid(),
  characterId: z.uuid(),
  originalName: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number(),
  width: z.number(),
  height: z.number(),
  caption: z.string(),
  checks: photoChecksSchema,
  /** Left out of training by the user. */
  excluded: z.boolean(),
  /** Orientation-fixed image and a small preview, served by the API. */
  url: z.string(),
  thumbnailUrl: z.string(),
  createdAt: z.iso.datetime(),
});
export type Photo = z.infer<typeof photoSchema>;

export const rejectedPhotoSchema = z.object({ filename: z.string(), reason: z.string() });
export type RejectedPhoto = z.infer<typeof rejectedPhotoSchema>;

export const uploadPhotosResultSchema = z.object({
  accepted: z.array(photoSchema),
  rejected: z.array(rejectedPhotoSchema),
});
export type UploadPhotosResult = z.infer<typeof uploadPhotosResultSchema>;

export const photoListSchema = z.object({ items: z.array(photoSchema) });

export const updatePhotoInput = z
  .strictObject({
    caption: z
      .string({ error: 'Caption must be text' })
      .max(PHOTO_LIMITS.captionMaxLength, `Caption can be at most ${PHOTO_LIMITS.captionMaxLength} characters`)
      .check(storable())
      .optional(),
    excluded: z.boolean({ error: 'excluded must be true or false' }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one of: caption, excluded');
export type UpdatePhotoInput = z.input<typeof updatePhotoInput>;

/** A photo that would train well: not excluded, big enough, sharp enough, not a duplicate of another. */
export function isGoodPhoto(photo: Pick<Photo, 'excluded' | 'checks'>): boolean {
  const { checks } = photo;
  return !photo.excluded && !checks.tooSmall?.failed && !checks.blurry?.failed && !checks.duplicate;
}

/**
 * `[trigger]` in a caption stands for the character's trigger word: ai-toolkit replaces it when it reads the
 * caption (spec §7), so captions stay right when the trigger word is renamed.
 */
export const TRIGGER_TAG = '[trigger]';

/** The caption a new photo gets. */
export const DEFAULT_CAPTION = `photo of ${TRIGGER_TAG}`;
