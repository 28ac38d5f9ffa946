import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

/**
 * The Temporal floor under a generation (scripts/bench, generation section): the shape of `generateImages`, with
 * activities that do nothing. Acquire on the shared GPU queue; then "running" on the control queue while the
 * worker's own queue generates; then the release there while a local activity records (the end of the figure).
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
  const local = proxyLocalActivities<FloorActivities>(opts);
  await shared.noop();
  await Promise.all([control.noop(), pinned.noop()]);
  await Promise.all([pinned.noop(), local.recorded(input.id)]);
}
