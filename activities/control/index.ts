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

/**
 * Once an activity has ended (it may have written, even if it then failed), `ctx.changed` hears of it, with the
 * training run or generation it was about.
 */
function announcingChanges<T extends Record<string, (...args: never[]) => Promise<unknown>>>(ctx: ControlContext, activities: T): T {
  const { changed } = ctx;
  if (!changed) return activities;
  const wrapped: Record<string, (input?: { runId?: unknown; generationId?: unknown }) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities) as Array<[string, (input?: unknown) => Promise<unknown>]>) {
    wrapped[name] = async (input) => {
      try {
        return await activity(input);
      } finally {
        const jobId = input?.generationId ?? input?.runId;
        changed(typeof jobId === 'string' ? jobId : undefined);
      }
    };
  }
  return wrapped as unknown as T;
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
