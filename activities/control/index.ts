import type { ControlContext } from './context';
import { createSelfTestActivities } from './self-tests';

/** Every activity of the `isengard-control` queue: the only ones that touch the database. */
export function createControlActivities(ctx: ControlContext) {
  return { ...createSelfTestActivities(ctx) };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
