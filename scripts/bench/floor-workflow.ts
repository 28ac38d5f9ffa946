import { proxyActivities } from '@temporalio/workflow';

/**
 * The Temporal floor under a generation (scripts/bench, generation section): the shape of `generateImages`, with
 * activities that do nothing. Acquire on the shared GPU queue, then the work on the worker's own queue, which
 * records (the end of the figure: Isengard's GPU worker records the images from inside that activity).
 */
export interface FloorActivities {
  noop(): Promise<void>;
  recorded(id: string): Promise<void>;
}

export async function temporalFloor(input: { id: string; shared: string; pinned: string }): Promise<void> {
  const opts = { startToCloseTimeout: '30 seconds' } as const;
  const shared = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.shared });
  const pinned = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.pinned });
  await shared.noop();
  await pinned.recorded(input.id);
}
