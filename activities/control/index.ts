import type { ControlContext } from './context';
import { createGenerationActivities } from './generations';
import { createModelActivities } from './models';
import { createSelfTestActivities } from './self-tests';
import { createTrainingActivities } from './training';

/** Every activity of the `isengard-control` queue: the only ones that touch the database. */
export function createControlActivities(ctx: ControlContext) {
  return { ...createSelfTestActivities(ctx), ...createTrainingActivities(ctx), ...createGenerationActivities(ctx), ...createModelActivities(ctx) };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
