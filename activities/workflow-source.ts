import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { PROJECT_ROOT } from '../lib/project-root';

/** Entry of the workflow code (the bundle's input). */
export const WORKFLOWS_PATH = path.join(PROJECT_ROOT, 'workflows', 'index.ts');
/** Workflow interceptors, which must be part of the bundle (a prebuilt bundle ignores `workflowModules`). */
export const WORKFLOW_INTERCEPTORS_PATH = path.join(PROJECT_ROOT, 'workflows', 'interceptors.ts');

/**
 * Where a worker gets its workflow code: the prebuilt bundle named by WORKFLOW_BUNDLE (`npm run build` writes
 * dist/workflows/bundle.js, the container sets it), else the sources, bundled as the worker starts.
 */
export function workflowSource(
  bundlePath: string | undefined = process.env.WORKFLOW_BUNDLE,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`WORKFLOW_BUNDLE points at ${bundlePath}, which does not exist: run npm run build`);
    return { workflowBundle: { codePath: bundlePath } };
  }
  return { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] } };
}
