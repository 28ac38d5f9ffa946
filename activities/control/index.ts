import type { ControlContext } from './context';
import { createGenerationActivities } from './generations';
import { createModelActivities } from './models';
import { createSelfTestActivities } from './self-tests';
import { createTrainingActivities } from './training';

/** Every activity of the `isengard-control` queue: the only ones that touch the database. */
export function createControlActivities(ctx: ControlContext) {
  return announcingChanges(ctx, {
    ...createSelfTestActivities(ctx),
    ...createTrainingActivities(ctx),
    ...createGenerationActivities(ctx),
    ...createModelActivities(ctx),
  });
}

/** Once an activity about a training run or a generation has written its record, `ctx.changed` hears of that job. */
function announcingChanges<T extends Record<string, (...args: never[]) => Promise<unknown>>>(ctx: ControlContext, activities: T): T {
  const { changed } = ctx;
  if (!changed) return activities;
  const wrapped: Record<string, (input?: { runId?: unknown; generationId?: unknown }) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities) as Array<[string, (input?: unknown) => Promise<unknown>]>) {
    wrapped[name] = async (input) => {
      const result = await activity(input);
      const jobId = input?.generationId ?? input?.runId;
      if (typeof jobId === 'string') changed(jobId);
      return result;
    };
  }
  return wrapped as unknown as T;
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
