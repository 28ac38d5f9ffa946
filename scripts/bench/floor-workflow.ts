import { proxyActivities } from '@temporalio/workflow';

/**
 * The Temporal floor under a generation (scripts/bench, generation section): the shape of `generateImages`, with
 * activities that only note when they ran. Acquire on the shared GPU queue (where Isengard's GPU worker starts the
 * engine), then the work on the worker's own queue (which takes the running prompt over and records the images).
 */
export interface FloorActivities {
  acquired(id: string): Promise<void>;
  pinned(id: string): Promise<void>;
}

export async function temporalFloor(input: { id: string; shared: string; pinned: string }): Promise<void> {
  const opts = { startToCloseTimeout: '30 seconds' } as const;
  const shared = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.shared });
  const pinned = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.pinned });
  await shared.acquired(input.id);
  await pinned.pinned(input.id);
}
