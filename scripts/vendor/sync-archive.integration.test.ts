import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

// `scripts/vendor/sync --from-archive` against a tiny engine made here: a git repository, its archive and its
// `git ls-tree` listing, the same three files `../shared/engines/` holds for the real engines.
const here = path.dirname(new URL(import.meta.url).pathname);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-archive-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const gitEnv = {
  GIT_AUTHOR_NAME: 'Upstream',
  GIT_AUTHOR_EMAIL: 'upstream@example.com',
  GIT_COMMITTER_NAME: 'Upstream',
  GIT_COMMITTER_EMAIL: 'upstream@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: scratch,
};

function sh(cwd: string, command: string, ...args: string[]): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

let counter = 0;
let vendorDir: string;
let archives: string;

/**
 * A tiny engine committed to git and packed as `engine-<commit>.tar.gz` beside its listing. `absent` files are
 * left out of the archive and named in `.absent`; `tamper` changes the tree after the listing was taken.
 */
function engineArchive(options: { absent?: string[]; tamper?: (tree: string) => void } = {}): string {
  const repo = path.join(scratch, `engine-${++counter}`);
  mkdirSync(path.join(repo, 'toolkit'), { recursive: true });
  writeFileSync(path.join(repo, 'run.py'), 'print("training")\n');
  writeFileSync(path.join(repo, 'start.sh'), '#!/bin/sh\nexec python run.py\n');
  chmodSync(path.join(repo, 'start.sh'), 0o755);
  writeFileSync(path.join(repo, 'toolkit', 'config.py'), `VERSION = ${counter}\n`);
  writeFileSync(path.join(repo, 'toolkit', 'keymap.bin'), Buffer.alloc(64, 7));
  sh(repo, 'git', 'init', '-q', '-b', 'main');
  sh(repo, 'git', 'add', '.');
  sh(repo, 'git', 'commit', '-q', '-m', 'engine');
  const commit = sh(repo, 'git', 'rev-parse', 'HEAD');
  const listing = sh(repo, 'git', 'ls-tree', '-r', '--full-tree', commit);
  writeFileSync(path.join(archives, `engine-${commit}.ls-tree`), `${listing}\n`);
  const absent = listing.split('\n').filter((line) => options.absent?.some((file) => line.endsWith(`\t${file}`)));
  if (absent.length) writeFileSync(path.join(archives, `engine-${commit}.absent`), `${absent.map((l) => l.replace('\t', ' ')).join('\n')}\n`);

  const tree = path.join(scratch, `tree-${counter}`);
  cpSync(repo, tree, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  for (const file of options.absent ?? []) rmSync(path.join(tree, file));
  options.tamper?.(tree);
  sh(tree, 'tar', '-czf', path.join(archives, `engine-${commit}.tar.gz`), '.');
  return commit;
}

function usePin(commit: string) {
  const pins = { engine: { repository: 'https://github.com/example/engine', commit, pinned_at: '2025-03-01', purpose: 'The engine under test' } };
  writeFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), `${JSON.stringify(pins, null, 2)}\n`);
}

function run(tool: 'sync' | 'pin-status', ...args: string[]) {
  const env = { ...process.env, ...gitEnv, ISENGARD_VENDOR_DIR: vendorDir, ISENGARD_ENGINE_ARCHIVES: archives };
  const r = spawnSync(path.join(here, tool), args, { encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const engineState = () => (JSON.parse(run('pin-status', '--json').out) as { engines: Array<Record<string, unknown>> }).engines[0];
const checkout = (file = '') => path.join(vendorDir, 'engine', file);
/** What the vendor folder holds besides the pins: a failed sync must leave no half-unpacked tree behind. */
const leftovers = () => readdirSync(vendorDir).filter((name) => name !== 'VENDOR_PINS.json');

beforeEach(() => {
  vendorDir = mkdtempSync(path.join(scratch, 'vendor-'));
  archives = mkdtempSync(path.join(scratch, 'archives-'));
});

describe('sync --from-archive', () => {
  it('unpacks the pinned commit, verifies every file, and pin-status reports it at its pin', () => {
    const commit = engineArchive();
    usePin(commit);
    const r = run('sync', '--from-archive');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('unpacked; 4 files verified against the listing');
    expect(readFileSync(checkout('toolkit/config.py'), 'utf8')).toBe(`VERSION = ${counter}\n`);
    expect(engineState()).toMatchObject({ state: 'ok', head: commit, matches: true, dirty: false });

    // Again: left alone; the engine's own new files (a cache) do not count as changes.
    mkdirSync(checkout('__pycache__'));
    writeFileSync(checkout('__pycache__/run.cpython-311.pyc'), 'x');
    const again = run('sync', 'engine', '--from-archive');
    expect(again.code).toBe(0);
    expect(again.out).toContain('already at the pinned commit, left as it is');
  });

  it('takes the archive folder as an argument, in both spellings', () => {
    const commit = engineArchive();
    usePin(commit);
    const elsewhere = path.join(scratch, `moved-${counter}`);
    cpSync(archives, elsewhere, { recursive: true });
    rmSync(archives, { recursive: true });
    expect(run('sync', '--from-archive', elsewhere).code).toBe(0);
    rmSync(checkout(), { recursive: true });
    expect(run('sync', 'engine', `--from-archive=${elsewhere}`).code).toBe(0);
    expect(engineState()).toMatchObject({ state: 'ok' });
  });

  it('accepts exactly the files the .absent listing names as missing', () => {
    const commit = engineArchive({ absent: ['toolkit/keymap.bin'] });
    usePin(commit);
    const r = run('sync', '--from-archive');
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 files verified against the listing; absent as listed: toolkit/keymap.bin');
    expect(existsSync(checkout('toolkit/keymap.bin'))).toBe(false);
    expect(engineState()).toMatchObject({ state: 'ok', dirty: false });
  });

  it.each([
    ['a changed file', (tree: string) => appendFileSync(path.join(tree, 'run.py'), 'import os\n'), 'changed: run.py'],
    ['a file the listing does not name', (tree: string) => writeFileSync(path.join(tree, 'extra.py'), ''), 'not in the listing: extra.py'],
    ['a missing file not listed as absent', (tree: string) => rmSync(path.join(tree, 'toolkit', 'config.py')), 'missing: toolkit/config.py'],
    ['a lost executable bit', (tree: string) => chmodSync(path.join(tree, 'start.sh'), 0o644), 'mode 100644 instead of 100755: start.sh'],
  ])('refuses an archive with %s and leaves nothing behind', (_what, tamper, problem) => {
    usePin(engineArchive({ tamper }));
    const r = run('sync', '--from-archive');
    expect(r.code).toBe(1);
    expect(r.err).toContain('does not match');
    expect(r.err).toContain(problem);
    expect(leftovers()).toEqual([]);
  });

  it('says so when the folder has no archive of the pinned commit', () => {
    engineArchive();
    usePin('0'.repeat(40));
    const r = run('sync', '--from-archive');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`engine-${'0'.repeat(40)}.tar.gz does not exist: no archive of engine at the pinned commit`);
    expect(leftovers()).toEqual([]);
  });

  it('reports a changed file of an unpacked checkout, refuses to overwrite it, and restores it with --force', () => {
    usePin(engineArchive());
    expect(run('sync', '--from-archive').code).toBe(0);
    appendFileSync(checkout('toolkit/config.py'), 'DEBUG = True\n');
    expect(engineState()).toMatchObject({ state: 'dirty', dirty: true, matches: true });
    expect(run('pin-status').code).toBe(1);

    const refused = run('sync', '--from-archive');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('changed: toolkit/config.py');
    expect(refused.err).toContain('--force');
    expect(readFileSync(checkout('toolkit/config.py'), 'utf8')).toContain('DEBUG');

    const forced = run('sync', '--from-archive', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('replaced (--force) by the archive');
    expect(readFileSync(checkout('toolkit/config.py'), 'utf8')).not.toContain('DEBUG');
    expect(engineState()).toMatchObject({ state: 'ok' });
  });

  it('moves an unpacked checkout to a new pin only with --force', () => {
    usePin(engineArchive());
    expect(run('sync', '--from-archive').code).toBe(0);
    const next = engineArchive();
    usePin(next);
    expect(engineState()).toMatchObject({ state: 'mismatch', matches: false });
    const refused = run('sync', '--from-archive');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is not the pinned commit');
    expect(run('sync', '--from-archive', '--force').code).toBe(0);
    expect(engineState()).toMatchObject({ state: 'ok', head: next });
  });
});
