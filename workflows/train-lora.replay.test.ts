import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

/**
 * Training runs last hours, so a release always meets runs that an earlier one started. Each history here was
 * recorded from a real run (histories/, one run each: of the release before the job lifecycle rework, and of this
 * one); today's `trainLora` must replay every one of them, or an upgrade would fail those runs with a
 * non-determinism error.
 */
const HISTORIES = {
  'completed': 'train-lora-completed.json',
  'stopped by the user, its last checkpoint kept as a LoRA': 'train-lora-stopped.json',
  'a checkpoint saved on request, then completed': 'train-lora-save-now.json',
  'out of memory, retried with the low-VRAM profile, then an engine crash retried': 'train-lora-oom-and-crash.json',
  'failed at once: no usable photos': 'train-lora-no-photos.json',
  'its GPU worker killed mid-run: moved to another worker, resumed, completed': 'train-lora-worker-lost.json',
  // Recorded with this release: what the next one must replay.
  'stopped by the user, by this release (its kept checkpoint registered)': 'train-lora-stopped-kept.json',
  'completed with its likeness measured and the recommended checkpoint registered': 'train-lora-likeness.json',
  'a continuation of a completed run: its checkpoint seeded, resumed, completed': 'train-lora-continued.json',
};

function history(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(new URL(`./histories/${file}`, import.meta.url), 'utf8')));
}

describe('trainLora replays runs recorded by the previous release', () => {
  for (const [run, file] of Object.entries(HISTORIES)) {
    it(run, async () => {
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, history(file), `replay-${file}`),
      ).resolves.toBeUndefined();
    });
  }
});
