import type { DetectedFace, FaceSelection } from './interface';

/** The detections that count as faces under `selection`, largest first. */
export function selectFaces(detections: readonly DetectedFace[], selection: FaceSelection): DetectedFace[] {
  const confident = detections.filter((face) => face.confidence >= selection.minConfidence);
  const side = (face: DetectedFace) => Math.max(face.box.width, face.box.height);
  const largest = Math.max(0, ...confident.map(side));
  return confident
    .filter((face) => side(face) >= largest * selection.minRelativeSize)
    .sort((a, b) => side(b) - side(a));
}
