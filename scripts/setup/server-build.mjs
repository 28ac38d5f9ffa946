// The processes the supervisor starts run as JavaScript bundled from their TypeScript (dist/server/*.mjs, npm
// packages left as imports): one that compiles TypeScript as it loads (tsx) holds about 40 MB more for good and
// starts slower. ensure.mjs builds it; the supervisor runs a process from it only while it is fresh and from the
// sources through tsx otherwise. The freshness check is plain Node with no dependencies (it runs before
// node_modules exists); the build itself needs esbuild.
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal-dev/obtain.mjs';
import { builtIsFresh } from './freshness.mjs';

/** Each process's entry: its name in dist/server/ and its source. */
export const SERVER_ENTRIES = {
  'control-plane': 'api/main.ts',
  'control-worker': 'activities/control/main.ts',
  'gpu-worker': 'activities/gpu/main.ts',
  migrate: 'db/migrate-cli.ts',
  // The identity scorer's worker threads load this beside the bundle that scores (plugins/identity/face-api/scorer.ts).
  'identity-face-api-worker': 'plugins/identity/face-api/worker.ts',
};

export const SERVER_BUILD_DIR = path.join(PROJECT_ROOT, 'dist', 'server');
/** Written last by a build: its time is the build's. */
const STAMP_NAME = 'built-at';

/** What the bundles are made of: a change to any of these rebuilds them. */
const SOURCES = ['api', 'lib', 'db', 'activities', 'plugins', 'workflows', 'temporal-dev', 'package-lock.json', 'tsconfig.json'];

export function serverBuildIsFresh() {
  return builtIsFresh(path.join(SERVER_BUILD_DIR, STAMP_NAME), SOURCES);
}

/** Builds every entry into `outDir` (only a test builds elsewhere: the bundles find the project above them). */
export async function buildServer(outDir = SERVER_BUILD_DIR) {
  const { build } = await import('esbuild');
  const { rmSync, writeFileSync } = await import('node:fs');
  rmSync(outDir, { recursive: true, force: true });
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: SERVER_ENTRIES,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // For NODE_OPTIONS=--enable-source-maps, which makes stack frames point at the TypeScript (off by default: memory).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  writeFileSync(path.join(outDir, STAMP_NAME), new Date().toISOString());
}
