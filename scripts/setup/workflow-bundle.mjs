// Whether dist/workflows/bundle.js (`npm run build:workflows`) is newer than every source it could contain.
// Plain Node with no dependencies: ensure.mjs builds the bundle with it, and the supervisor uses the bundle only
// while it is fresh (a worker that bundles as it starts holds about 120 MB more from then on).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-dev/obtain.mjs';

export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflows', 'bundle.js');

/** What the workflow code imports from (types included): a change to any of these rebuilds the bundle. */
const SOURCES = ['workflows', 'lib', 'activities', 'plugins', 'package-lock.json'];

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

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

export function workflowBundleIsFresh() {
  const built = mtime(WORKFLOW_BUNDLE_PATH);
  return built > 0 && built >= Math.max(...SOURCES.map((s) => newest(path.join(PROJECT_ROOT, s))));
}
