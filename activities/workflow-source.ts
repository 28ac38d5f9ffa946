import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

/** Entry of the workflow code (the bundle's input). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Workflow interceptors, which must be part of the bundle (a prebuilt bundle ignores `workflowModules`). */
export const WORKFLOW_INTERCEPTORS_PATH = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));

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
