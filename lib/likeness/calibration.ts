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
