/** dist/workflows/bundle.js, written by `npm run build:workflows`. */
export const WORKFLOW_BUNDLE_PATH: string;
/** Whether that bundle exists and is newer than every source it could contain. */
export function workflowBundleIsFresh(): boolean;
