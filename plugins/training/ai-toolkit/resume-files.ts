import path from 'node:path';
import type { ResumeFiles } from '../interface';
import { checkpointPattern, saveRoot } from './work-dir';

/**
 * What a start on a host without the run's newest checkpoint needs from the artifact store to resume (spec §5):
 * ai-toolkit resumes from the newest file of its save folder, so only the newest stored checkpoint comes (the final
 * file, when stored, ends the run at once). `stored` holds the run's stored files relative to its folder.
 *
 * `optimizer.pt` is rewritten in place at every save, so a GPU worker never stores it (it could be caught half
 * written); a continuation's seed stores it with its one checkpoint, and it comes along only while that checkpoint
 * is the only one stored. Elsewhere a resume on another host starts its optimizer afresh.
 */
export function resumeFiles(stored: string[], name: string): ResumeFiles | null {
  const folder = saveRoot('', name);
  const pattern = checkpointPattern(name);
  const checkpoints = stored
    .filter((file) => path.posix.dirname(file) === folder)
    .map((file) => ({ file, m: pattern.exec(path.posix.basename(file)) }))
    .filter((c): c is { file: string; m: RegExpExecArray } => c.m !== null)
    .map(({ file, m }) => ({ file, step: m[1] ? Number(m[1]) : null }));
  const final = checkpoints.find((c) => c.step === null);
  if (final) return { step: null, final: true, files: [final.file] };
  const newest = checkpoints.sort((a, b) => (a.step ?? 0) - (b.step ?? 0)).at(-1);
  if (!newest) return null;
  const optimizer = path.posix.join(folder, 'optimizer.pt');
  const withOptimizer = checkpoints.length === 1 && stored.includes(optimizer);
  return { step: newest.step, final: false, files: withOptimizer ? [newest.file, optimizer] : [newest.file] };
}
