import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

/**
 * Generations recorded by each earlier shape of `generateImages` (histories/, one real run each) still replay
 * against today's workflow code: a generation that was running during an upgrade carries on instead of failing
 * with a non-determinism error.
 */
const HISTORIES = {
  'one step after another (the first shape)': 'generate-images-one-by-one.json',
  "the 'running' record beside the images, the images' record beside the GPU release": 'generate-images-overlapped.json',
  "the images' record as a local activity": 'generate-images-local-record.json',
  "the GPU worker's own reports, the record only if they failed (today's shape)": 'generate-images-worker-records.json',
};

function history(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(new URL(`./histories/${file}`, import.meta.url), 'utf8')));
}

describe('generateImages replays the histories of its earlier versions', () => {
  for (const [shape, file] of Object.entries(HISTORIES)) {
    it(shape, async () => {
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, history(file), `replay-${file}`),
      ).resolves.toBeUndefined();
    });
  }

  it('notices a history the code cannot have written', async () => {
    // The one-by-one history with its first activity renamed: replaying it must fail, or the tests above prove nothing.
    const tampered = JSON.parse(readFileSync(new URL('./histories/generate-images-one-by-one.json', import.meta.url), 'utf8'));
    const scheduled = tampered.events.find((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, historyFromJSON(tampered), 'replay-tampered'),
    ).rejects.toThrow(/[Nn]ondeterminism|DeterminismViolation/);
  });
});
