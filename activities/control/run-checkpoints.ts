import path from 'node:path';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import type { ArtifactStore } from '../../lib/artifacts/store';
import { readSafetensorsHeader, trainingStep } from '../../lib/safetensors';
import { within } from '../../lib/storage';
import type { TrainingEngine } from '../../plugins/training/interface';

/** A complete checkpoint of a run: `path` is this process's path for its key (pull it before reading it). */
export interface RunCheckpoint {
  key: string;
  path: string;
  step: number;
  final: boolean;
  kept: boolean;
}

/**
 * A run's complete checkpoints, lowest step first (the final file last), also while the run trains on a GPU worker of
 * its own data root: from the artifact store with STORAGE_URL (only the final file is pulled, for the step in its
 * header), from the run's folder otherwise. A caller that reads a checkpoint pulls it.
 */
export async function runCheckpoints(
  store: ArtifactStore,
  engine: TrainingEngine,
  run: { root: string; runId: string; name: string },
): Promise<RunCheckpoint[]> {
  const prefix = artifactKey('training', run.runId);
  if (store.kind === 'data-root') {
    const local = await engine.checkpoints(within(run.root, 'training', run.runId), run.name);
    return local.map((c) => ({ ...c, key: artifactKey(path.relative(run.root, c.path)) }));
  }
  const stored = (await store.list(prefix)).map((a) => path.posix.relative(prefix, a.key));
  const found: RunCheckpoint[] = [];
  for (const c of engine.storedCheckpoints(stored, run.name)) {
    const key = artifactKey(prefix, c.file);
    let step = c.step;
    if (step === null) {
      const file = await pullIfStored(store, key);
      step = file ? ((await readSafetensorsHeader(file).then(trainingStep, () => undefined)) ?? null) : null;
    }
    if (step !== null) found.push({ key, path: store.localPath(key), step, final: c.final, kept: c.kept });
  }
  return found.sort((a, b) => a.step - b.step || Number(a.final) - Number(b.final));
}
