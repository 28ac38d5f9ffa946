import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger/logger';
import type { CaptioningEngine } from './captioning/interface';
import { createCaptioningEngines } from './captioning/registry';
import { createComfyEngine } from './image/comfyui/engine';
import { firstRegistered, type EnginePlugin, type EngineStatus } from './engine';
import { comfyUiGpuPython } from './image/comfyui/gpu-python';
import type { EngineGpuPython } from './gpu-probe';
import type { ImageEngine } from './image/interface';
import type { TrainingEngine } from './training/interface';
import { aiToolkitGpuPython } from './training/ai-toolkit/gpu-python';
import { createTrainingEngines } from './training/registry';
import type { VideoEngine } from './video/interface';

export interface EngineRegistry {
  training: TrainingEngine[];
  image: ImageEngine[];
  video: VideoEngine[];
  captioning: CaptioningEngine[];
  /** The training engine to use (the first registered). */
  trainingEngine(): TrainingEngine;
  /** The image engine to use (the first registered). */
  imageEngine(): ImageEngine;
  /** The captioning engine to use (the first registered). */
  captioningEngine(): CaptioningEngine;
  /** Runs every engine's check; a check that throws is reported as an error, never propagated. */
  check(): Promise<EngineStatus[]>;
}

/**
 * Every engine Isengard knows. Adding an engine = implementing its interface and listing it here (a training engine:
 * in plugins/training/registry.ts).
 */
export function createEngineRegistry(config: Config, logger: Logger): EngineRegistry {
  const training = createTrainingEngines(config);
  const image: ImageEngine[] = [createComfyEngine(config, logger)];
  const video: VideoEngine[] = [];
  const captioning = createCaptioningEngines(config);
  const all: EnginePlugin[] = [...training, ...image, ...video, ...captioning];
  return {
    training,
    image,
    video,
    captioning,
    trainingEngine: () => firstRegistered(training, 'training'),
    imageEngine: () => firstRegistered(image, 'image'),
    captioningEngine: () => firstRegistered(captioning, 'captioning'),
    check: () =>
      Promise.all(
        all.map(async (engine) => {
          try {
            return await engine.check();
          } catch (err) {
            return {
              kind: engine.kind,
              id: engine.id,
              label: engine.label,
              state: 'error' as const,
              message: `The check itself failed: ${err instanceof Error ? err.message : String(err)}`,
            };
          }
        }),
      ),
  };
}

/** The Pythons of the engines a GPU worker runs, each checked against the GPU when the worker starts. */
export function engineGpuPythons(config: Config): EngineGpuPython[] {
  return [aiToolkitGpuPython(config), comfyUiGpuPython(config)].filter((p): p is EngineGpuPython => p !== undefined);
}
