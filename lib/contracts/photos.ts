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

/**
 * What the checks measured, each with its verdict (`failed`), so the UI can show the value behind a warning and say
 * what to do. Intake measures the file at once (orientation, size, exact and near copies); the checks that need the
 * faces (no face, several people, face size, blur on the face, a different person, duplicates confirmed by the face)
 * are added by the background analysis (api/photo-checks), and the set-level ones are recomputed as photos come and go.
 */
export const photoChecksSchema = z.object({
  /** The EXIF orientation found in the file, and whether it had to be baked into the pixels. */
  orientation: z.object({ exif: z.number().int(), fixed: z.boolean() }).optional(),
  tooSmall: z.object({ shortSide: z.number(), minimum: z.number(), failed: z.boolean() }).optional(),
  /**
   * Sharpness of the face (`region: 'face'`: the share of detail, 0–100, that a further 1 px blur removes from the face
   * crop) or, without a face, of the whole photo (`region: 'photo'`, or absent on photos checked before faces were:
   * the variance of the Laplacian).
   */
  blurry: z
    .object({ sharpness: z.number(), threshold: z.number(), failed: z.boolean(), region: z.enum(['face', 'photo']).optional() })
    .optional(),
  /**
   * An earlier photo of the character this one copies, or null: the same file, or a re-encoded, resized or slightly
   * cropped copy of the same shot (perceptual hash `distance` in bits of 64, and, when both show a face, their face
   * similarity, which must be near-identical).
   */
  duplicate: z
    .object({ ofPhotoId: z.string(), distance: z.number(), exact: z.boolean(), faceSimilarity: z.number().optional() })
    .nullable()
    .optional(),
  /** The scorer found no face. */
  noFace: z.object({ faces: z.number().int(), failed: z.boolean() }).optional(),
  /** More than one person: `count` faces. */
  severalPeople: z.object({ count: z.number().int(), failed: z.boolean() }).optional(),
  /** The face's long side in pixels once the photo is scaled to the training size, and the minimum. */
  faceTooSmall: z.object({ faceSize: z.number(), minimum: z.number(), trainingSize: z.number(), failed: z.boolean() }).optional(),
  /**
   * Probably another person than the rest of the set: this photo's mean face similarity to the others
   * (`similarity`), the typical one of the others (median of their means), and whether it is the least alike
   * (`rank` 1) and clearly apart. Absent while fewer than three photos show one face.
   */
  differentPerson: z
    .object({
      similarity: z.number(),
      typical: z.number(),
      rank: z.number().int(),
      comparedWith: z.number().int(),
      failed: z.boolean(),
    })
    .optional(),
});
export type PhotoChecksContract = z.infer<typeof photoChecksSchema>;

/** The checks whose `failed` verdict keeps a photo out of training unless the user keeps it anyway. */
export const BLOCKING_CHECKS = ['noFace', 'severalPeople', 'faceTooSmall', 'differentPerson', 'tooSmall', 'blurry'] as const;

/** `pending`: the faces have not been analysed yet (the upload answers before); `done`: every check has run. */
export const PHOTO_ANALYSIS = ['pending', 'done'] as const;

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
  /** The user chose to train with it despite its warnings. */
  keptAnyway: z.boolean(),
  analysis: z.enum(PHOTO_ANALYSIS),
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
    /** Train with the photo despite its warnings (true), or let the warnings decide again (false). */
    keepAnyway: z.boolean({ error: 'keepAnyway must be true or false' }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one of: caption, excluded, keepAnyway');
export type UpdatePhotoInput = z.input<typeof updatePhotoInput>;

/** The names of the checks a photo failed (see {@link BLOCKING_CHECKS}); a duplicate counts as failed too. */
export function failedChecks(checks: PhotoChecksContract): string[] {
  const failed: string[] = BLOCKING_CHECKS.filter((name) => checks[name]?.failed);
  if (checks.duplicate) failed.push('duplicate');
  return failed;
}

/**
 * A photo marked for training: not excluded, and either analysed with no failed check or kept anyway by the user.
 * A photo still being analysed is not good yet.
 */
export function isGoodPhoto(photo: Pick<Photo, 'excluded' | 'checks' | 'keptAnyway' | 'analysis'>): boolean {
  if (photo.excluded) return false;
  if (photo.keptAnyway) return true;
  return photo.analysis === 'done' && failedChecks(photo.checks).length === 0;
}

/**
 * `[trigger]` in a caption stands for the character's trigger word: ai-toolkit replaces it when it reads the
 * caption (spec §7), so captions stay right when the trigger word is renamed.
 */
export const TRIGGER_TAG = '[trigger]';

/** The caption a new photo gets. */
export const DEFAULT_CAPTION = `photo of ${TRIGGER_TAG}`;
