import { createCaptionActivities } from './captions';
import type { ControlContext } from './context';
import { createContinueTrainingActivities } from './continue-training';
import { asActivityFailure } from './failures';
import { createGenerationActivities } from './generations';
import { createLikenessActivities } from './likeness';
import { createModelActivities } from './models';
import { createSelfTestActivities } from './self-tests';
import { createTrainingActivities } from './training';
import { createWebhookActivities } from './webhooks';

/** Every activity of the `isengard-control` queue: the only ones that touch the database. */
export function createControlActivities(ctx: ControlContext) {
  return asControlActivities(ctx.changed, {
    ...createSelfTestActivities(ctx),
    ...createTrainingActivities(ctx),
    ...createContinueTrainingActivities(ctx),
    ...createLikenessActivities(ctx),
    ...createGenerationActivities(ctx),
    ...createModelActivities(ctx),
    ...createCaptionActivities(ctx),
    ...createWebhookActivities(ctx),
  });
}

/**
 * Each activity fails the way its workflow can act on (failures.ts: transient retried, deterministic ended with a
 * reason), and once it has ended (it may have written, even if it then failed) `ctx.changed` hears of it, with the
 * training run or generation it was about.
 */
export function asControlActivities<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  changed: ControlContext['changed'],
  activities: T,
): T {
  const out: Record<string, (input?: { runId?: unknown; generationId?: unknown }) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities) as Array<[string, (input?: unknown) => Promise<unknown>]>) {
    out[name] = async (input) => {
      try {
        return await activity(input);
      } catch (err) {
        throw asActivityFailure(err);
      } finally {
        const jobId = input?.generationId ?? input?.runId;
        changed?.(typeof jobId === 'string' ? jobId : undefined);
      }
    };
  }
  return out as unknown as T;
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
