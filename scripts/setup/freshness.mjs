// Whether something built is newer than what it is built from, by modification times. Plain Node with no
// dependencies: ensure.mjs uses it before node_modules exists.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-dev/obtain.mjs';

export function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest modification time of a file, or of any file under a folder. */
function newest(entry) {
  if (!existsSync(entry)) return 0;
  if (!statSync(entry).isDirectory()) return mtime(entry);
  let latest = 0;
  for (const child of readdirSync(entry, { withFileTypes: true })) {
    const full = path.join(entry, child.name);
    latest = Math.max(latest, child.isDirectory() ? newest(full) : mtime(full));
  }
  return latest;
}

/** Whether `built` exists and is at least as new as every one of `sources` (relative to the project or absolute). */
export function builtIsFresh(built, sources) {
  const builtAt = mtime(built);
  return builtAt > 0 && builtAt >= Math.max(...sources.map((s) => newest(path.resolve(PROJECT_ROOT, s))));
}
