// Whether dist/workflows/bundle.js (`npm run build:workflows`) is newer than every source it could contain.
// Plain Node with no dependencies: ensure.mjs builds the bundle with it, and the supervisor uses the bundle only
// while it is fresh (a worker that bundles as it starts holds about 120 MB more from then on).
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-dev/obtain.mjs';
import { builtIsFresh } from './freshness.mjs';

export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist', 'workflows', 'bundle.js');

/** What the workflow code imports from (types included): a change to any of these rebuilds the bundle. */
const SOURCES = ['workflows', 'lib', 'activities', 'plugins', 'package-lock.json'];

export function workflowBundleIsFresh() {
  return builtIsFresh(WORKFLOW_BUNDLE_PATH, SOURCES);
}
