// A worker thread of the face-api scorer: the only place tfjs and face-api are loaded. Its models load once, on the
// first task, and stay for the worker's life.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import type * as FaceApi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import type { FaceApiResult, FaceApiTask } from './task';

const require = createRequire(import.meta.url);

type Engine = { faceapi: typeof FaceApi; tf: typeof Tf };

let engine: Promise<Engine> | undefined;

/** Loads tfjs's wasm backend and face-api's models from their npm packages by file path: nothing is downloaded. */
async function loadEngine(): Promise<Engine> {
  const tf = require('@tensorflow/tfjs') as typeof Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof FaceApi;
  const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  wasm.setWasmPaths(path.dirname(wasmFile) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error("tfjs's wasm backend did not start");
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await Promise.all([
    faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir),
    faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
    faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
  ]);
  return { faceapi, tf };
}

export default async function detectFaces(task: FaceApiTask): Promise<FaceApiResult> {
  let modelLoadMs: number | undefined;
  if (!engine) {
    const started = performance.now();
    engine = loadEngine();
    engine.catch(() => (engine = undefined));
    await engine;
    modelLoadMs = performance.now() - started;
  }
  const { faceapi, tf } = await engine;
  const input = tf.tensor3d(task.pixels, [task.height, task.width, 3], 'int32');
  try {
    const options = new faceapi.SsdMobilenetv1Options({ minConfidence: task.minConfidence, maxResults: 100 });
    const results = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
    const faces = results.map(({ detection, landmarks, descriptor }) => ({
      box: { x: detection.box.x, y: detection.box.y, width: detection.box.width, height: detection.box.height },
      confidence: detection.score,
      landmarks: landmarks.positions.map(({ x, y }) => ({ x, y })),
      embedding: Array.from(descriptor),
    }));
    return modelLoadMs === undefined ? { faces } : { faces, modelLoadMs };
  } finally {
    input.dispose();
  }
}
