import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger/logger';
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
  /** The training engine to use (the first registered). */
  trainingEngine(): TrainingEngine;
  /** The image engine to use (the first registered). */
  imageEngine(): ImageEngine;
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
  const all: EnginePlugin[] = [...training, ...image, ...video];
  return {
    training,
    image,
    video,
    trainingEngine: () => firstRegistered(training, 'training'),
    imageEngine: () => firstRegistered(image, 'image'),
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
