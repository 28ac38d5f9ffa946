import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ContinuationSeed, RunFolder } from '../interface';
import { listCheckpoints, runCheckpoints, saveRoot } from './work-dir';

/** ai-toolkit's name for a step save (spec §4): `<name>_<step, 9 digits>.safetensors`. */
function stepFileName(name: string, step: number): string {
  return `${name}_${String(step).padStart(9, '0')}.safetensors`;
}

/** A second name for a file that is never written again (a copy where links fail), made whole or not at all. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    await copyWhole(from, to);
  }
}

async function copyWhole(from: string, to: string): Promise<void> {
  const partial = `${to}.partial`;
  await copyFile(from, partial);
  await rename(partial, to).finally(() => rm(partial, { force: true }));
}

/**
 * Makes a new run resume another run's checkpoint, the way ai-toolkit resumes a run of its own (spec §5,
 * `BaseSDTrainProcess.py` `get_latest_save_path` and `load_training_state_from_metadata`): its next start takes the
 * newest `<name>*` file of its save folder, reads the step from the file's `training_info` metadata and counts on
 * from there; it loads `optimizer.pt` from the same folder when the rank is unchanged. So the source's checkpoint goes
 * into the new run's save folder as a step save of the new run's name (no `train.start_step`: the metadata decides,
 * as on any resume).
 *
 * `optimizer.pt` is rewritten at every save, so it belongs to the source's newest save only: it comes along when that
 * is the checkpoint resumed, and it is copied, never linked, because the engine overwrites it in place.
 * Null when the source no longer has a checkpoint at that step.
 */
export async function seedContinuation(source: RunFolder & { step: number }, target: RunFolder): Promise<ContinuationSeed | null> {
  // The final file after a step file of the same step: either holds the same weights, the final one is never pruned.
  const checkpoint = (await runCheckpoints(source.runDir, source.name)).filter((c) => c.step === source.step).at(-1);
  if (!checkpoint) return null;
  const root = saveRoot(target.runDir, target.name);
  await mkdir(root, { recursive: true });
  const seeded = path.join(root, stepFileName(target.name, checkpoint.step));
  await linkOrCopy(checkpoint.path, seeded);

  const sourceRoot = saveRoot(source.runDir, source.name);
  const newest = (await listCheckpoints(sourceRoot, source.name)).at(-1);
  const optimizerFile = path.join(sourceRoot, 'optimizer.pt');
  const withOptimizer = newest?.step === checkpoint.step && (await stat(optimizerFile).catch(() => null)) !== null;
  if (withOptimizer) await copyWhole(optimizerFile, path.join(root, 'optimizer.pt'));
  return { path: seeded, step: checkpoint.step, optimizerState: withOptimizer };
}
