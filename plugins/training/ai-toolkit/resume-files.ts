import path from 'node:path';
import type { ResumeFiles, StoredCheckpoint } from '../interface';
import { checkpointPattern, optimizerStateFile, saveRoot } from './work-dir';

/** The stored checkpoints of one folder of the run (its save folder, or `kept/`), by file. */
function checkpointsIn(stored: string[], folder: string, name: string) {
  const pattern = checkpointPattern(name);
  return stored
    .filter((file) => path.posix.dirname(file) === folder)
    .map((file) => ({ file, m: pattern.exec(path.posix.basename(file)) }))
    .filter((c): c is { file: string; m: RegExpExecArray } => c.m !== null)
    .map(({ file, m }) => ({ file, step: m[1] ? Number(m[1]) : null }));
}

/**
 * What a start on a host without the run's newest checkpoint needs from the artifact store to resume (spec §5):
 * ai-toolkit resumes from the newest file of its save folder, so only the newest stored checkpoint comes (the final
 * file, when stored, ends the run at once). `stored` holds the run's stored files relative to its folder.
 *
 * `optimizer.pt` is rewritten in place at every save, so a GPU worker stores a copy of it per save, set aside once the
 * save is complete (`optimizer/optimizer_<step>.pt`): it comes along with the checkpoint of its step, copied to where
 * the engine loads it. A continuation's seed stores `optimizer.pt` itself with its one checkpoint: that comes along
 * while that checkpoint is the only one stored. Otherwise a resume starts its optimizer afresh.
 */
export function resumeFiles(stored: string[], name: string): ResumeFiles | null {
  const folder = saveRoot('', name);
  const checkpoints = checkpointsIn(stored, folder, name);
  const final = checkpoints.find((c) => c.step === null);
  if (final) return { step: null, final: true, files: [final.file], copies: [] };
  const newest = checkpoints.sort((a, b) => (a.step ?? 0) - (b.step ?? 0)).at(-1);
  if (!newest) return null;
  const optimizer = path.posix.join(folder, 'optimizer.pt');
  const state = optimizerStateFile('', newest.step!);
  if (stored.includes(state)) return { step: newest.step, final: false, files: [newest.file, state], copies: [{ from: state, to: optimizer }] };
  const withSeedOptimizer = checkpoints.length === 1 && stored.includes(optimizer);
  return { step: newest.step, final: false, files: withSeedOptimizer ? [newest.file, optimizer] : [newest.file], copies: [] };
}

/** The run's stored checkpoints, as `runCheckpoints` lists them locally: lowest step first, the final file last. */
export function storedCheckpoints(stored: string[], name: string): StoredCheckpoint[] {
  const saved = checkpointsIn(stored, saveRoot('', name), name);
  const kept = checkpointsIn(stored, 'kept', name).filter((c) => c.step !== null);
  const keptSteps = new Set(kept.map((c) => c.step));
  const savedSteps = new Set(saved.filter((c) => c.step !== null).map((c) => c.step));
  return [
    ...saved.map((c) => ({ file: c.file, step: c.step, final: c.step === null, kept: c.step !== null && keptSteps.has(c.step) })),
    ...kept.filter((c) => !savedSteps.has(c.step)).map((c) => ({ file: c.file, step: c.step, final: false, kept: true })),
  ].sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
}
