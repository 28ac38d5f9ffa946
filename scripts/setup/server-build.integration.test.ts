import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/project-root';
import { builtIsFresh } from './freshness.mjs';
import { buildServer, SERVER_ENTRIES } from './server-build.mjs';

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(parent: string): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, 'isengard-server-build-'));
  scratch.push(dir);
  return dir;
}

describe('server build (dist/server)', () => {
  it('bundles every process; a bundle finds the project above it (migrations run from the built file)', async () => {
    // Inside the project, as dist/server is: the bundle has no folder of sources beside it to resolve against.
    const out = scratchDir(path.join(PROJECT_ROOT, 'tmp'));
    await buildServer(out);
    for (const name of Object.keys(SERVER_ENTRIES)) expect(existsSync(path.join(out, `${name}.mjs`)), name).toBe(true);

    const data = scratchDir(os.tmpdir());
    const run = spawnSync(process.execPath, [path.join(out, 'migrate.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: data, LOG_DIR: path.join(data, 'logs'), DATABASE_URL: '' },
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Migrations applied (PGlite in ${path.join(data, 'pg')})`);
    expect(run.status).toBe(0);
  }, 90_000);

  it('counts as fresh only while it is at least as new as every source', () => {
    const dir = scratchDir(os.tmpdir());
    const built = path.join(dir, 'built-at');
    const source = path.join(dir, 'src', 'main.ts');
    mkdirSync(path.dirname(source));
    writeFileSync(source, '');
    expect(builtIsFresh(built, [path.join(dir, 'src')])).toBe(false);
    writeFileSync(built, '');
    const now = Date.now() / 1000;
    utimesSync(source, now - 60, now - 60);
    utimesSync(built, now - 30, now - 30);
    expect(builtIsFresh(built, [path.join(dir, 'src')])).toBe(true);
    utimesSync(source, now, now);
    expect(builtIsFresh(built, [path.join(dir, 'src')])).toBe(false);
  });
});
