import type { RgbImage } from '../decode-image';
import type { DetectedFace, FaceBox } from '../interface';

/**
 * SSD MobileNet sees every input at 512 × 512: in a whole 1024 px photo a face under about 60 px is lost (measured:
 * a 56 px face is not found, a 64 px one is). Searching the photo in halves, each seen at 512 × 512, doubles the
 * pixels each face gets, down to about 30 px at the training size: enough to say "face too small" instead of
 * "no face" for a person far from the camera.
 */
export const SMALL_FACE_SEARCH_SIDE = 2048;

/**
 * A face found only in a close look must be surer than one found whole: more looks at textures give the detector
 * more chances to see a face where there is none.
 */
export const SMALL_FACE_MIN_CONFIDENCE = 0.75;

/** Overlapping squares of half the image's long side that cover it, three along the long side and two across. */
export function searchTiles(width: number, height: number): FaceBox[] {
  const side = Math.ceil(Math.max(width, height) / 2);
  const positions = (length: number, count: number) => {
    if (length <= side) return [0];
    return Array.from({ length: count }, (_, i) => Math.round(((length - side) * i) / (count - 1)));
  };
  const longIsWidth = width >= height;
  const xs = positions(width, longIsWidth ? 3 : 2);
  const ys = positions(height, longIsWidth ? 2 : 3);
  return ys.flatMap((y) => xs.map((x) => ({ x, y, width: Math.min(side, width - x), height: Math.min(side, height - y) })));
}

/** The pixels of `tile` in `image`, row by row. */
export function cutTile(image: RgbImage, tile: FaceBox): RgbImage {
  const pixels = new Uint8Array(tile.width * tile.height * 3);
  for (let row = 0; row < tile.height; row++) {
    const from = ((tile.y + row) * image.width + tile.x) * 3;
    pixels.set(image.pixels.subarray(from, from + tile.width * 3), row * tile.width * 3);
  }
  return { pixels, width: tile.width, height: tile.height, scale: image.scale };
}

function overlap(a: FaceBox, b: FaceBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  // Of the smaller box: a face cut at a tile's edge is a part of the same face found whole in the next tile.
  return (width * height) / Math.min(a.width * a.height, b.width * b.height);
}

/** One detection per face, where tiles overlap: the most confident. */
export function mergeTileFaces(faces: readonly DetectedFace[]): DetectedFace[] {
  const kept: DetectedFace[] = [];
  for (const face of [...faces].sort((a, b) => b.confidence - a.confidence)) {
    if (!kept.some((other) => overlap(other.box, face.box) > 0.5)) kept.push(face);
  }
  return kept;
}

/** `face` found in `tile`, moved into the coordinates of the image the tile was cut from. */
export function fromTile(face: DetectedFace, tile: FaceBox): DetectedFace {
  return {
    ...face,
    box: { ...face.box, x: face.box.x + tile.x, y: face.box.y + tile.y },
    landmarks: face.landmarks.map(({ x, y }) => ({ x: x + tile.x, y: y + tile.y })),
  };
}
