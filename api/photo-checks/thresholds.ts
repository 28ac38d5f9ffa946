/**
 * The thresholds of the photo checks that need faces (the blur threshold is in lib/images/sharpness.ts, the
 * near-copy distance in lib/images/phash.ts, the identity thresholds in lib/contracts/likeness.ts).
 */
export const PHOTO_CHECK_THRESHOLDS = {
  /**
   * A face whose long side is below this many pixels, once the photo is scaled to the training size (1024 px), is
   * too small to train on. FLUX's autoencoder turns every 8×8 pixels into one latent cell: a 96 px face is 12×12
   * cells, the least in which eyes, nose and mouth each get a few cells of their own; smaller faces (full-body shots
   * from afar, group photos) teach the model the outline of a person and little of the face. The scorer itself is
   * reliable from 64 px (issue 23), so the size it measures can be trusted here.
   */
  minFaceSize: 96,
  /**
   * "Probably a different person": the photo least like the others (lowest mean face similarity) is flagged when its
   * mean is below the "recognisable" threshold (0.935, lib/contracts/likeness.ts) and at least this far below the
   * typical photo of the set (the median of the others' means). Measured on real photos (issue 23): two photos of the
   * same person score 0.965 ± 0.011 (lowest pair 0.937), of different people 0.836 ± 0.032, so another person usually
   * sits about 0.1 below the set, and a photo of the set's person almost never below 0.935. Another person photographed
   * in the same light by the same camera comes closer: in face-api's demo photo, 0.897 against a set at 0.954
   * (test/api/photo-checks.test.ts). 0.04 keeps that case flagged while a set of one person with a soft photo is not.
   */
  apartBy: 0.04,
  /** The set must have this many photos that show one judgeable face before anyone is called the odd one out. */
  minSetSize: 3,
} as const;
