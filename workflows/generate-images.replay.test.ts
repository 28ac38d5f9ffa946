import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

/**
 * Generations recorded from real runs (histories/) still replay against today's workflow code, so a generation
 * that is open during an upgrade carries on instead of failing with a non-determinism error. Those of the release
 * before (the GPU worker recorded the images) take workflows/legacy/; README "Upgrading" says when they go.
 */
const HISTORIES = {
  "completed, by the release before (the GPU worker's own reports)": 'generate-images-worker-records.json',
  'cancelled while running, by the release before': 'generate-images-worker-records-cancelled.json',
  'completed, by this release (the plain path)': 'generate-images-plain-completed.json',
  'cancelled while running, by this release': 'generate-images-plain-cancelled.json',
  'failed in the engine, by this release': 'generate-images-plain-failed.json',
};

function history(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(new URL(`./histories/${file}`, import.meta.url), 'utf8')));
}

describe('generateImages replays the histories of generations still open at an upgrade', () => {
  for (const [shape, file] of Object.entries(HISTORIES)) {
    it(shape, async () => {
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, history(file), `replay-${file}`),
      ).resolves.toBeUndefined();
    });
  }

  it('notices a history the code cannot have written', async () => {
    // A recorded history with its first activity renamed: replaying it must fail, or the tests above prove nothing.
    const tampered = JSON.parse(readFileSync(new URL('./histories/generate-images-worker-records.json', import.meta.url), 'utf8'));
    const scheduled = tampered.events.find((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, historyFromJSON(tampered), 'replay-tampered'),
    ).rejects.toThrow(/[Nn]ondeterminism|DeterminismViolation/);
  });
});
