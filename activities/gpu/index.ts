import { createAcquireGpu, createReleaseGpu } from './acquire';
import { createCaptionPhotos } from './caption';
import type { GpuContext } from './context';
import { createEngineCommands } from './engine-commands';
import { createGenerateAndRecord, createGenerateImages } from './generate';
import { createSelfTestProbe } from './self-test-probe';
import { createRunTraining } from './train';

/** Activities every GPU worker answers on the shared queue. */
export function createSharedGpuActivities(ctx: GpuContext) {
  return { acquireGpu: createAcquireGpu(ctx) };
}

/** Activities a GPU worker answers on its own queue, for jobs pinned to it. */
export function createPinnedGpuActivities(ctx: GpuContext) {
  return {
    releaseGpu: createReleaseGpu(ctx),
    selfTestProbe: createSelfTestProbe(ctx),
    runTraining: createRunTraining(ctx),
    generateAndRecord: createGenerateAndRecord(ctx),
    generateImages: createGenerateImages(ctx),
    captionPhotos: createCaptionPhotos(ctx),
    ...createEngineCommands(ctx),
  };
}

export type SharedGpuActivities = ReturnType<typeof createSharedGpuActivities>;
export type PinnedGpuActivities = ReturnType<typeof createPinnedGpuActivities>;
