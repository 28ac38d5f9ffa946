import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { artifactKey } from '../../lib/artifacts/keys';
import type { ArtifactCallOptions, ArtifactStore } from '../../lib/artifacts/store';
import type { ResumeFiles, TrainingEngine } from '../../plugins/training/interface';

/**
 * Brings a run's newest stored checkpoint (and what the engine resumes with it) into the run's folder when this host
 * has none as new: the run moved here from a worker that was lost, or it continues another run. Answers what it
 * pulled, or null when the local folder is already as far (always so when every process shares the data root).
 */
export async function pullNewestCheckpoint(
  store: ArtifactStore,
  engine: TrainingEngine,
  run: { runId: string; name: string; runDir: string },
  options: ArtifactCallOptions,
): Promise<ResumeFiles | null> {
  const prefix = artifactKey('training', run.runId);
  const stored = (await store.list(prefix, options)).map((a) => path.posix.relative(prefix, a.key));
  const wanted = engine.resumeFiles(stored, run.name);
  if (!wanted) return null;
  const local = await engine.checkpoints(run.runDir, run.name);
  const newest = wanted.step;
  if (local.some((c) => c.final) || (newest !== null && local.some((c) => c.step >= newest))) return null;
  for (const file of wanted.files) await store.pull(artifactKey(prefix, file), options);
  for (const { from, to } of wanted.copies) {
    const target = store.localPath(artifactKey(prefix, to));
    await copyFile(store.localPath(artifactKey(prefix, from)), `${target}.partial`);
    await rename(`${target}.partial`, target);
  }
  return wanted;
}
