import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { bundleWorkflows } from '../scripts/build/bundle-workflows';
import { buildServer, serverBuildIsFresh } from '../scripts/setup/server-build.mjs';
import { freePort, startDevServer, type DevServer } from '../temporal-dev/dev-server';
import { obtainTemporalCli } from '../temporal-dev/obtain.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundle: string;
  }
}

/**
 * Once per `npm test`: one real Temporal dev server for every test file (each file then works in a namespace of
 * its own), the workflow bundle built once instead of once per worker, and the server code `npm start` runs. A
 * missing CLI fails the run: no test is ever skipped for lack of a server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-test-'));
  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const cliPath = await obtainTemporalCli();
    server = await startDevServer({ cliPath, port: await freePort(), uiPort: null, namespace: 'isengard' });
    address = server.address;
  }
  // Ctrl-C ends vitest without its teardown, and the dev server runs detached (out of reach of the terminal's
  // SIGINT): it would outlive the run.
  const stopOnExit = () => {
    server?.process.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);
  const bundle = await bundleWorkflows(path.join(scratch, 'workflow-bundle.js'));
  // The all-in-one tests start processes the way `npm start` does: from the built server code.
  if (!serverBuildIsFresh()) await buildServer();
  project.provide('temporalAddress', address);
  project.provide('workflowBundle', bundle);
  return async () => {
    process.off('exit', stopOnExit);
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}
