import { proxyActivities } from '@temporalio/workflow';

/**
 * The Temporal floor under a generation (scripts/bench, generation section): the same hops as `generateImages`
 * (acquire on the shared GPU queue → mark running on the control queue → generate and release on the worker's own
 * queue → record on the control queue), with activities that do nothing.
 */
export interface FloorActivities {
  noop(): Promise<void>;
  recorded(id: string): Promise<void>;
}

export async function temporalFloor(input: { id: string; control: string; shared: string; pinned: string }): Promise<void> {
  const opts = { startToCloseTimeout: '30 seconds' } as const;
  const control = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.control });
  const shared = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.shared });
  const pinned = proxyActivities<FloorActivities>({ ...opts, taskQueue: input.pinned });
  await shared.noop();
  await control.noop();
  await pinned.noop();
  await pinned.noop();
  await control.recorded(input.id);
}
