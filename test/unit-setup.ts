import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflows } from '../scripts/build/bundle-workflows';

/**
 * Once per `npm run test:unit`: the workflow bundle the replay tests load (a few seconds of bundling; no server,
 * nothing to download).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-unit-'));
  project.provide('workflowBundle', await bundleWorkflows(path.join(scratch, 'workflow-bundle.js')));
  return () => rmSync(scratch, { recursive: true, force: true });
}
