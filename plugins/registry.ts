import type { EngineContext, EnginePlugin, EngineStatus } from './engine';
import type { ImageEngine } from './image/interface';
import type { TrainingEngine } from './training/interface';
import type { VideoEngine } from './video/interface';

/** Every engine Isengard knows. Adding an engine = implementing its interface and listing it here. */
export const trainingEngines: TrainingEngine[] = [];
export const imageEngines: ImageEngine[] = [];
export const videoEngines: VideoEngine[] = [];

export function allEngines(): EnginePlugin[] {
  return [...trainingEngines, ...imageEngines, ...videoEngines];
}

/** Runs every engine's check; a check that throws is reported as an error, never propagated. */
export async function checkEngines(context: EngineContext): Promise<EngineStatus[]> {
  return Promise.all(
    allEngines().map(async (engine) => {
      try {
        return await engine.check(context);
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
  );
}
