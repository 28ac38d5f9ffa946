import { z } from 'zod';

/**
 * Likeness: does a picture look like the person (design §4, "Likeness")? One identity scorer (plugins/identity)
 * serves the photo checks, the training's samples and checkpoints, and the gallery. Every score records the scorer
 * that made it (`id@version`), since scores of different scorers are never compared.
 */

export const faceBoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export type FaceBoxContract = z.infer<typeof faceBoxSchema>;

/**
 * What the identity scorer found in a character's photo (internal: the embedding is never sent to clients).
 * Null on the photo while it has not been analysed yet.
 */
export const photoFacesSchema = z.object({
  /** `id@version` of the scorer. */
  scorer: z.string(),
  /** The faces that count (plugins/identity/select-faces.ts), largest first. */
  faces: z.array(z.object({ box: faceBoxSchema, confidence: z.number() })),
  /** The largest face's embedding: the photo's identity when it shows one person. */
  embedding: z.array(z.number()).nullable(),
  /** The photo's decoded size the boxes refer to (EXIF orientation applied). */
  width: z.number(),
  height: z.number(),
  /** The image could not be decoded for analysis. */
  unreadable: z.boolean().optional(),
  analysedAt: z.iso.datetime(),
});
export type PhotoFaces = z.infer<typeof photoFacesSchema>;

/** The likeness of one picture (a training sample or a generated picture) to its character. */
export const pictureLikenessSchema = z.object({
  /** `id@version` of the scorer. */
  scorer: z.string(),
  /**
   * `scored`: a face was compared with the character's photos; `no_face`: no face the scorer can judge;
   * `no_reference`: the character has no photo with one clear face to compare with; `unreadable`: not an image.
   */
  status: z.enum(['scored', 'no_face', 'no_reference', 'unreadable']),
  /** Mean cosine similarity of the picture's main face to the reference photos (null unless scored). */
  similarity: z.number().nullable(),
  /** At or above the scorer's "recognisable" threshold (LIKENESS_CALIBRATION below). */
  recognisable: z.boolean(),
  /** Faces found in the picture. */
  faces: z.number().int(),
  /** A near-copy of a training photo (overfitting): that photo and how alike they are. */
  copyOf: z.object({ photoId: z.string(), similarity: z.number() }).nullable(),
  scoredAt: z.iso.datetime(),
});
export type PictureLikeness = z.infer<typeof pictureLikenessSchema>;

/** Likeness of one checkpoint of a run, from the samples made at its step. */
export const checkpointLikenessSchema = z.object({
  step: z.number().int(),
  /** Mean similarity of its scored samples (null when none had a face). */
  mean: z.number().nullable(),
  /** Samples recognisable / samples made at this step. */
  recognisable: z.number().int(),
  samples: z.number().int(),
  /** Samples that copy a training photo. */
  copies: z.number().int(),
});
export type CheckpointLikeness = z.infer<typeof checkpointLikenessSchema>;

/** A run's likeness: the curve per sample step, and the checkpoint recommended at its end. */
export const runLikenessSchema = z.object({
  scorer: z.string(),
  curve: z.array(checkpointLikenessSchema),
  /** Set when the run ended: the checkpoint registered as the LoRA by default, and why. */
  recommended: z
    .object({
      step: z.number().int(),
      /** The run's last checkpoint step (still available even when it is not the one recommended). */
      finalStep: z.number().int(),
      /** "N of M pictures recognisable" at the recommended step, on the fixed evaluation prompts. */
      recognisable: z.number().int(),
      samples: z.number().int(),
      mean: z.number().nullable(),
      /** In plain words: why this checkpoint (highest likeness; later ones copy training photos; no face found…). */
      reason: z.string(),
    })
    .nullable(),
});
export type RunLikeness = z.infer<typeof runLikenessSchema>;

/**
 * The thresholds of likeness, for the default scorer (face-api, plugins/identity/README.md). Measured on 61 real
 * photos of 13 people (issue 23): cosine similarity of two photos of the same person 0.965 ± 0.011 (lowest 0.937),
 * of different people 0.836 ± 0.032 (highest 0.933). The margin is thin, so rankings (the best checkpoint, the photo
 * least like the rest) decide what they can, and these yes/no thresholds only label.
 */
export const LIKENESS_CALIBRATION = {
  /**
   * A picture is "recognisable" when its main face's mean similarity to the reference photos reaches this: above the
   * highest different-people pair measured (0.933), below the same-person mean less two standard deviations (0.943).
   */
  recognisableAt: 0.935,
  /**
   * A sample copies a training photo when its face is this alike to that one photo (well above two different photos
   * of one person, 0.965 ± 0.011) and its picture's perceptual hash is within {@link copyHashDistance} bits of it.
   */
  copySimilarityAt: 0.985,
  copyHashDistance: 12,
} as const;
