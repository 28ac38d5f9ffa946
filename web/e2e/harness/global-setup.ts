import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { AllInOneInstance } from '../../../test/helpers/all-in-one';
import { REPO_ROOT, RESULTS_DIR, SCREENSHOTS_DIR } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    temporalUiUrl: string;
  }
}

/** The newest modification time under a folder (files only). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

/** Builds the web app when dist/web is missing or older than its sources, as `npm start` would serve it. */
function buildWebIfStale(): void {
  const index = path.join(REPO_ROOT, 'dist/web/index.html');
  const sources = Math.max(
    newest(path.join(REPO_ROOT, 'web/src')),
    newest(path.join(REPO_ROOT, 'lib/contracts')),
    statSync(path.join(REPO_ROOT, 'web/index.html')).mtimeMs,
    statSync(path.join(REPO_ROOT, 'web/vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'], {
    cwd: REPO_ROOT,
    // Vitest sets NODE_ENV=test, which would give a development build of React.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`The web app did not build (exit ${build.status})`);
}

/**
 * Once per e2e run: build the web app if needed and start the real all-in-one the way a user does (`npm start`'s
 * entry point: Temporal dev server, control plane, GPU worker, simulated engines) on free ports, with its own data
 * and logs. Simulated engines step quickly so a training run takes seconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildWebIfStale();
  rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, '.gitignore'), '*\n');

  const instance = new AllInOneInstance();
  await instance.prepare({
    ISENGARD_MODE: 'fast-test',
    ISENGARD_SIM_STEP_MS: process.env.ISENGARD_SIM_STEP_MS ?? '40',
    ISENGARD_SIM_COMFY_STEP_MS: process.env.ISENGARD_SIM_COMFY_STEP_MS ?? '20',
    LOG_LEVEL: 'INFO',
    // Vitest gives the global teardown 10 s: workers must not wait long for running jobs when it stops them.
    SHUTDOWN_GRACE_SECONDS: '3',
  });
  const running = await instance.start();
  project.provide('baseUrl', instance.url);
  project.provide('temporalUiUrl', `http://127.0.0.1:${instance.env.TEMPORAL_UI_PORT}`);

  return async () => {
    if (running.child.exitCode === null) {
      running.child.kill('SIGINT');
      const stopped = await Promise.race([running.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 8_000))]);
      if (!stopped) process.stderr.write(`The all-in-one did not stop within 8 s; killing it.\n${running.output().slice(-2000)}\n`);
    }
    instance.cleanup();
  };
}
