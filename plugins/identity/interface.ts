/** A rectangle in pixels of the image as it is shown (EXIF orientation applied), from its top-left corner. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FacePoint {
  x: number;
  y: number;
}

/** One face an identity scorer found in an image. */
export interface DetectedFace {
  box: FaceBox;
  /** The detector's confidence that this is a face, 0–1. */
  confidence: number;
  /** Facial landmarks in image pixels; how many and in which order is the scorer's own (face-api: dlib's 68 points). */
  landmarks: FacePoint[];
  /** The face's identity embedding: compare two with the scorer's `similarity`, never across scorers. */
  embedding: number[];
}

/** Which detections count as faces. */
export interface FaceSelection {
  /** Detections below this confidence are dropped. */
  minConfidence: number;
  /**
   * Faces whose box side is below this share of the largest face's are dropped: people far in the background, and
   * false detections (face-api scores a cat at 0.93), are much smaller than the subject.
   */
  minRelativeSize: number;
}

export interface DetectOptions {
  /**
   * When the image seen whole shows no face, look closer (slower): a photo's checks must tell "no face" from "a face
   * too small to train on", and a face far from the camera is too small for a detector that sees the whole photo.
   */
  smallFaces?: boolean;
}

/** What an identity scorer is, recorded beside every score it produces. */
export interface IdentityScorerMeta {
  readonly id: string;
  readonly label: string;
  /** How the adapter scores; bumped when that changes, so that scores of different versions are never compared. */
  readonly version: string;
  /** The models and runtime behind the scores, e.g. "face-api 1.7.15 (SSD MobileNet v1, dlib ResNet descriptor) on tfjs 4.22.0 wasm". */
  readonly model: string;
}

/**
 * Finds faces in images and says how alike two faces are. Implementations keep their models off the caller's event
 * loop (worker threads) and load them once per process.
 */
export interface IdentityScorer extends IdentityScorerMeta {
  readonly selection: FaceSelection;
  /** The faces in an encoded image (JPEG, PNG, WebP, …), largest first. Throws `UnreadableImageError` for bytes that are not an image. */
  detect(image: Buffer, options?: DetectOptions): Promise<DetectedFace[]>;
  /** How alike two embeddings of this scorer are: 1 is the same face; see the scorer's README for its thresholds. */
  similarity(a: readonly number[], b: readonly number[]): number;
  /** Stops the scorer's workers; the scorer starts them again if used afterwards. */
  close(): Promise<void>;
}

export class UnreadableImageError extends Error {
  override readonly name = 'UnreadableImageError';
}
