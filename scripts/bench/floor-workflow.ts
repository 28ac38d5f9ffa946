import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/**
 * The Temporal floor under a generation (scripts/bench, generation section): the shape of `generateImages` with
 * activities that only note when they ran. Acquire on the shared GPU queue, "running" as a local activity, the
 * generation on the worker's own queue, the slot's release there, the record as a local activity.
 */
export interface FloorActivities {
  acquired(id: string): Promise<void>;
  running(id: string): Promise<void>;
  generate(id: string): Promise<void>;
  release(id: string): Promise<void>;
  record(id: string): Promise<void>;
}

export async function temporalFloor(input: { id: string; control: string; shared: string; pinned: string }): Promise<void> {
  const opts = { startToCloseTimeout: '30 seconds' } as const;
  const control = proxyLocalActivities<FloorActivities>(opts);
  const shared = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.shared });
  const pinned = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.pinned });
  await shared.acquired(input.id);
  await control.running(input.id);
  await pinned.generate(input.id);
  await pinned.release(input.id);
  await control.record(input.id);
}
