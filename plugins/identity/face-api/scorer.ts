import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { decodeToRgb, type RgbImage } from '../decode-image';
import type { DetectedFace, FaceSelection, IdentityScorer } from '../interface';
import { selectFaces } from '../select-faces';
import { cosineSimilarity } from '../similarity';
import { FACE_API, FACE_API_MAX_SIDE, FACE_API_SELECTION } from './meta';
import { cutTile, fromTile, mergeTileFaces, searchTiles, SMALL_FACE_MIN_CONFIDENCE, SMALL_FACE_SEARCH_SIDE } from './small-faces';
import type { FaceApiResult, FaceApiTask } from './task';

export interface FaceApiScorerOptions {
  /** Worker threads, each holding the models (about 300 MB): by default one per two cores, at most four. */
  threads?: number;
  selection?: FaceSelection;
  /** Called with each worker's model load time, once per worker (for measurements). */
  onModelLoaded?: (ms: number) => void;
}

function defaultThreads(): number {
  return Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2)));
}

/**
 * Where the worker's code is: beside this module, run through tsx, when this module runs from its source; beside the
 * bundle (`identity-face-api-worker.mjs`, built from ./worker.ts) when it runs from a bundle.
 */
function workerOptions(): { filename: string; execArgv: string[] } {
  if (fileURLToPath(import.meta.url).endsWith('.ts')) {
    return { filename: new URL('./worker.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] };
  }
  return { filename: new URL('./identity-face-api-worker.mjs', import.meta.url).href, execArgv: [] };
}

function scaleFace(face: DetectedFace, scale: number): DetectedFace {
  return {
    ...face,
    box: { x: face.box.x * scale, y: face.box.y * scale, width: face.box.width * scale, height: face.box.height * scale },
    landmarks: face.landmarks.map(({ x, y }) => ({ x: x * scale, y: y * scale })),
  };
}

/**
 * The default identity scorer: face-api's detector, landmarks and 128-d descriptor, in a small pool of worker threads
 * started at the first image (the event loop only decodes with sharp, which runs on libuv's threads).
 */
export function createFaceApiScorer(options: FaceApiScorerOptions = {}): IdentityScorer {
  const selection = options.selection ?? FACE_API_SELECTION;
  let pool: Piscina<FaceApiTask, FaceApiResult> | undefined;

  function startedPool(): Piscina<FaceApiTask, FaceApiResult> {
    const threads = options.threads ?? defaultThreads();
    // minThreads = maxThreads with no idle timeout: workers, and the models they loaded, stay for the process's life.
    pool ??= new Piscina({ ...workerOptions(), minThreads: threads, maxThreads: threads, idleTimeout: Infinity });
    return pool;
  }

  /** Every face the detector finds in `rgb` above `minConfidence`, in `rgb`'s pixels. */
  async function detectIn(rgb: RgbImage, minConfidence: number): Promise<DetectedFace[]> {
    const task: FaceApiTask = { pixels: rgb.pixels, width: rgb.width, height: rgb.height, minConfidence };
    const result = await startedPool().run(task);
    if (result.modelLoadMs !== undefined) options.onModelLoaded?.(result.modelLoadMs);
    return result.faces;
  }

  /** The faces found by looking at the image in overlapping halves (./small-faces.ts). */
  async function detectSmallFaces(image: Buffer): Promise<DetectedFace[]> {
    const rgb = await decodeToRgb(image, SMALL_FACE_SEARCH_SIDE);
    const minConfidence = Math.max(selection.minConfidence, SMALL_FACE_MIN_CONFIDENCE);
    const perTile = await Promise.all(
      searchTiles(rgb.width, rgb.height).map(async (tile) =>
        (await detectIn(cutTile(rgb, tile), minConfidence)).map((face) => fromTile(face, tile)),
      ),
    );
    return selectFaces(mergeTileFaces(perTile.flat()), selection).map((face) => scaleFace(face, rgb.scale));
  }

  return {
    ...FACE_API,
    selection,
    async detect(image, detectOptions) {
      const rgb = await decodeToRgb(image, FACE_API_MAX_SIDE);
      const faces = selectFaces(await detectIn(rgb, selection.minConfidence), selection).map((face) => scaleFace(face, rgb.scale));
      if (faces.length > 0 || !detectOptions?.smallFaces) return faces;
      return detectSmallFaces(image);
    },
    similarity: cosineSimilarity,
    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.destroy();
    },
  };
}
