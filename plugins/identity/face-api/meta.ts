import type { FaceSelection, IdentityScorerMeta } from '../interface';

/** The npm packages the scorer runs on, pinned exactly in package.json (a test checks that they agree). */
export const FACE_API_PACKAGES = { '@vladmandic/face-api': '1.7.15', '@tensorflow/tfjs': '4.22.0', '@tensorflow/tfjs-backend-wasm': '4.22.0' };

/**
 * face-api's adapter. `version`: bump it whenever anything changes the faces or embeddings it produces (selection,
 * decoding size, models), and say why in the README.
 */
export const FACE_API: IdentityScorerMeta = {
  id: 'face-api',
  label: 'face-api (SSD MobileNet v1 + dlib ResNet descriptor)',
  version: '1',
  model:
    `@vladmandic/face-api ${FACE_API_PACKAGES['@vladmandic/face-api']}: ssd_mobilenetv1, face_landmark_68, ` +
    `face_recognition (128-d) on tfjs ${FACE_API_PACKAGES['@tensorflow/tfjs']} wasm`,
};

/** Images are shrunk to this long side before detection: faces stay large enough, detection stays fast. */
export const FACE_API_MAX_SIDE = 1024;

export const FACE_API_SELECTION: FaceSelection = { minConfidence: 0.5, minRelativeSize: 0.3 };
