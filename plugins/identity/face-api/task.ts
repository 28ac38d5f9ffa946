import type { DetectedFace } from '../interface';

/**
 * What the scorer sends its worker threads and what they answer: a module of its own, so the caller never loads the
 * worker's code (tfjs and face-api), not even for its types.
 */
export interface FaceApiTask {
  pixels: Uint8Array;
  width: number;
  height: number;
  minConfidence: number;
}

export interface FaceApiResult {
  faces: DetectedFace[];
  /** How long this worker took to load its models, on the task that loaded them. */
  modelLoadMs?: number;
}
