import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

// Local git repositories stand in for the engines' upstreams: nothing here reaches the network.
const here = path.dirname(new URL(import.meta.url).pathname);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-vendor-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const gitEnv = {
  GIT_AUTHOR_NAME: 'Upstream',
  GIT_AUTHOR_EMAIL: 'upstream@example.com',
  GIT_COMMITTER_NAME: 'Upstream',
  GIT_COMMITTER_EMAIL: 'upstream@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: scratch,
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

let counter = 0;
/** An upstream repository on branch main; each commit gets its own day so pinned_at is predictable. */
function upstream(name: string) {
  const dir = path.join(scratch, `${name}-${++counter}`);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  let day = 0;
  const commit = (file: string, content: string, message = `change ${file}`) => {
    writeFileSync(path.join(dir, file), content);
    git(dir, 'add', file);
    const date = `2025-03-${String(++day).padStart(2, '0')}T12:00:00Z`;
    const r = spawnSync('git', ['commit', '-q', '-m', message], {
      cwd: dir,
      env: { ...process.env, ...gitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    if (r.status !== 0) throw new Error(String(r.stderr));
    return { sha: git(dir, 'rev-parse', 'HEAD'), date: date.slice(0, 10) };
  };
  return { dir, commit };
}

interface Pin {
  repository: string;
  commit: string;
  pinned_at: string;
  purpose: string;
}

let vendorDir: string;
let env: Record<string, string>;

function writePins(pins: Record<string, Pin>): string {
  const text = `${JSON.stringify(pins, null, 2)}\n`;
  writeFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), text);
  return text;
}
const readPins = () => JSON.parse(readFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), 'utf8')) as Record<string, Pin>;
const pin = (commit: string, pinned_at = '2025-03-01'): Pin => ({
  repository: 'https://github.com/example/engine',
  commit,
  pinned_at,
  purpose: 'The engine under test',
});

function run(tool: 'pin-status' | 'sync' | 'update', ...args: string[]) {
  const r = spawnSync(path.join(here, tool), args, { encoding: 'utf8', env: { ...process.env, ...gitEnv, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr, all: r.stdout + r.stderr };
}
function status() {
  const r = run('pin-status', '--json');
  return { code: r.code, ...(JSON.parse(r.out) as { ok: boolean; engines: Array<Record<string, unknown>> }) };
}
const head = (name: string) => git(path.join(vendorDir, name), 'rev-parse', 'HEAD');

beforeEach(() => {
  vendorDir = mkdtempSync(path.join(scratch, 'vendor-'));
  env = { ISENGARD_VENDOR_DIR: vendorDir };
});

describe('the real pins', () => {
  it('name ComfyUI and ai-toolkit at their pinned commits', () => {
    const pins = JSON.parse(readFileSync(path.join(here, '..', '..', 'vendor', 'VENDOR_PINS.json'), 'utf8')) as Record<string, Pin>;
    expect(pins.comfyui).toMatchObject({ repository: 'https://github.com/Comfy-Org/ComfyUI', commit: 'a125cd84b054a57729b5eecab930ca9408719832' });
    expect(pins['ai-toolkit']).toMatchObject({ repository: 'https://github.com/ostris/ai-toolkit', commit: '27a03a91f23eb1b757d5ec2e80ee3e129cfcc350' });
  });

  it('are listed by pin-status with their repository, date and purpose', () => {
    env = {};
    const r = run('pin-status');
    expect(r.out).toContain('a125cd84b054a57729b5eecab930ca9408719832');
    expect(r.out).toContain('27a03a91f23eb1b757d5ec2e80ee3e129cfcc350');
    expect(r.out).toContain('https://github.com/ostris/ai-toolkit');
    expect(r.out).toContain('LoRA training engine');
  });
});

describe('pin-status', () => {
  it('reports an engine that is not fetched yet without failing', () => {
    const up = upstream('engine');
    writePins({ engine: pin(up.commit('a', '1').sha) });
    const s = status();
    expect(s.code).toBe(0);
    expect(s.engines[0]).toMatchObject({ name: 'engine', present: false, state: 'missing', head: null });
    const table = run('pin-status');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/engine\s+missing\s+[0-9a-f]{40}\s+2025-03-01\s+\(not fetched\)/);
    expect(table.out).toContain('No engine is fetched yet');
  });

  it('reports a checkout at its pin as matching and clean', () => {
    const up = upstream('engine');
    const a = up.commit('a', '1');
    writePins({ engine: pin(a.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    expect(run('sync').code).toBe(0);
    // Files the engine writes itself (its venv, caches) are untracked and do not make the tree dirty.
    mkdirSync(path.join(vendorDir, 'engine', 'venv'));
    writeFileSync(path.join(vendorDir, 'engine', 'venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
    const s = status();
    expect(s.code).toBe(0);
    expect(s.engines[0]).toMatchObject({ present: true, head: a.sha, matches: true, dirty: false, state: 'ok' });
    expect(run('pin-status').out).toMatch(/engine\s+ok\s+[0-9a-f]{40}\s+2025-03-01\s+[0-9a-f]{12}\s+yes\s+clean/);
  });

  it('fails on a checkout at another commit, naming both', () => {
    const up = upstream('engine');
    const a = up.commit('a', '1');
    const b = up.commit('a', '2');
    writePins({ engine: pin(b.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    expect(run('sync').code).toBe(0);
    writePins({ engine: pin(a.sha) });
    const s = status();
    expect(s.code).toBe(1);
    expect(s.ok).toBe(false);
    expect(s.engines[0]).toMatchObject({ head: b.sha, matches: false, state: 'mismatch' });
    const table = run('pin-status');
    expect(table.code).toBe(1);
    expect(table.out).toContain(`checked out at ${b.sha.slice(0, 12)}, not the pinned ${a.sha.slice(0, 12)}`);
    expect(table.out).toContain('engine is not at the pinned commit: run scripts/vendor/sync');
  });

  it('fails on a checkout with local changes', () => {
    const up = upstream('engine');
    writePins({ engine: pin(up.commit('a', '1').sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    run('sync');
    appendFileSync(path.join(vendorDir, 'engine', 'a'), 'edited\n');
    const s = status();
    expect(s.code).toBe(1);
    expect(s.engines[0]).toMatchObject({ matches: true, dirty: true, state: 'dirty' });
    expect(run('pin-status').out).toMatch(/engine\s+dirty\s+.*yes\s+DIRTY/);
  });

  it('fails on a folder that is not a git checkout', () => {
    const up = upstream('engine');
    writePins({ engine: pin(up.commit('a', '1').sha) });
    mkdirSync(path.join(vendorDir, 'engine'));
    writeFileSync(path.join(vendorDir, 'engine', 'run.py'), 'print(1)\n');
    const s = status();
    expect(s.code).toBe(1);
    expect(s.engines[0]).toMatchObject({ present: true, state: 'not-a-checkout' });
  });
});

describe('sync', () => {
  it('fetches an engine from nothing at its pinned commit and verifies it', () => {
    const up = upstream('engine');
    const a = up.commit('run.py', 'print("v1")\n');
    up.commit('run.py', 'print("v2")\n');
    writePins({ engine: pin(a.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    const r = run('sync');
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain('engine: fetched and checked out; HEAD verified.');
    expect(head('engine')).toBe(a.sha);
    expect(readFileSync(path.join(vendorDir, 'engine', 'run.py'), 'utf8')).toBe('print("v1")\n');
    // Only the checkout and the pins: no half-fetched staging folder left behind.
    expect(readdirSync(vendorDir).sort()).toEqual(['VENDOR_PINS.json', 'engine']);
  });

  it('leaves a checkout that is already at its pin alone', () => {
    const up = upstream('engine');
    const a = up.commit('a', '1');
    writePins({ engine: pin(a.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    run('sync');
    writeFileSync(path.join(vendorDir, 'engine', 'untracked-cache'), 'kept');
    const again = run('sync', 'engine');
    expect(again.code).toBe(0);
    expect(again.out).toContain('engine: already at the pinned commit, left as it is.');
    expect(head('engine')).toBe(a.sha);
    expect(existsSync(path.join(vendorDir, 'engine', 'untracked-cache'))).toBe(true);
  });

  it('moves a checkout at the wrong commit to the pin', () => {
    const up = upstream('engine');
    const a = up.commit('a', '1');
    const b = up.commit('a', '2');
    writePins({ engine: pin(b.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    run('sync');
    writePins({ engine: pin(a.sha) });
    const r = run('sync');
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain(`moved from ${b.sha.slice(0, 12)} to the pinned commit; HEAD verified`);
    expect(head('engine')).toBe(a.sha);
    expect(status().code).toBe(0);
  });

  it('stays on the pinned commit when the upstream branch has moved on', () => {
    const up = upstream('engine');
    const pinned = up.commit('a', '1');
    writePins({ engine: pin(pinned.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    const tip = up.commit('a', '2');
    expect(git(up.dir, 'rev-parse', 'main')).toBe(tip.sha);
    expect(run('sync').code).toBe(0);
    expect(head('engine')).toBe(pinned.sha);
    up.commit('a', '3');
    expect(run('sync').out).toContain('already at the pinned commit');
    expect(head('engine')).toBe(pinned.sha);
  });

  it('refuses a checkout with local changes, and discards them with --force', () => {
    const up = upstream('engine');
    const a = up.commit('a', '1');
    const b = up.commit('a', '2');
    writePins({ engine: pin(b.sha) });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    run('sync');
    writePins({ engine: pin(a.sha) });
    writeFileSync(path.join(vendorDir, 'engine', 'a'), 'my local fix\n');
    mkdirSync(path.join(vendorDir, 'engine', 'venv'));

    const refused = run('sync');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('has local changes to 1 tracked file(s)');
    expect(refused.err).toMatch(/^\s+a$/m);
    expect(refused.err).toContain('--force');
    expect(readFileSync(path.join(vendorDir, 'engine', 'a'), 'utf8')).toBe('my local fix\n');
    expect(head('engine')).toBe(b.sha);

    const forced = run('sync', '--force');
    expect(forced.code, forced.all).toBe(0);
    expect(head('engine')).toBe(a.sha);
    expect(readFileSync(path.join(vendorDir, 'engine', 'a'), 'utf8')).toBe('1');
    expect(existsSync(path.join(vendorDir, 'engine', 'venv')), 'untracked files such as the venv stay').toBe(true);
    expect(status().engines[0]).toMatchObject({ state: 'ok' });
  });

  it('fails clearly on a pinned commit the repository does not have, leaving nothing behind', () => {
    const up = upstream('engine');
    up.commit('a', '1');
    writePins({ engine: pin('0123456789abcdef0123456789abcdef01234567') });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    const r = run('sync');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Commit 0123456789abcdef0123456789abcdef01234567 does not exist in ${up.dir}`);
    expect(readdirSync(vendorDir)).toEqual(['VENDOR_PINS.json']);
  });

  it('syncs only the engine named, and refuses an unknown name', () => {
    const one = upstream('one');
    const two = upstream('two');
    writePins({ one: pin(one.commit('a', '1').sha), two: pin(two.commit('b', '1').sha) });
    env.ISENGARD_VENDOR_ONE_REPO = one.dir;
    env.ISENGARD_VENDOR_TWO_REPO = two.dir;
    expect(run('sync', 'two').code).toBe(0);
    expect(readdirSync(vendorDir).sort()).toEqual(['VENDOR_PINS.json', 'two']);
    const unknown = run('sync', 'three');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no engine called "three"');
    expect(unknown.err).toContain('Known engines: one, two');
  });

  it('checks out the submodules an engine declares', () => {
    const sub = upstream('sub');
    sub.commit('lib.py', 'x = 1\n');
    const up = upstream('engine');
    up.commit('a', '1');
    // Local submodule URLs need the file protocol, which git allows only when asked to.
    const fileProtocol = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.file.allow', GIT_CONFIG_VALUE_0: 'always' };
    const r = spawnSync('git', ['submodule', 'add', '-q', sub.dir, 'repositories/sub'], { cwd: up.dir, env: { ...process.env, ...gitEnv, ...fileProtocol } });
    expect(r.status, String(r.stderr)).toBe(0);
    git(up.dir, 'commit', '-q', '-m', 'add a submodule');
    writePins({ engine: pin(git(up.dir, 'rev-parse', 'HEAD')) });
    Object.assign(env, { ISENGARD_VENDOR_ENGINE_REPO: up.dir, ...fileProtocol });
    const synced = run('sync');
    expect(synced.code, synced.all).toBe(0);
    expect(readFileSync(path.join(vendorDir, 'engine', 'repositories', 'sub', 'lib.py'), 'utf8')).toBe('x = 1\n');
  });
});

describe('update', () => {
  function setup() {
    const up = upstream('engine');
    const first = up.commit('a', '1', 'first');
    const second = up.commit('a', '2', 'second');
    const other: Pin = { repository: 'https://github.com/example/other', commit: 'f'.repeat(40), pinned_at: '2020-01-01', purpose: 'Untouched' };
    const before = writePins({ engine: pin(first.sha, first.date), other });
    env.ISENGARD_VENDOR_ENGINE_REPO = up.dir;
    return { up, first, second, other, before };
  }

  it('moves the pin to a commit, with its date, keeping the purpose, the repository and the file layout', () => {
    const { second, other, before } = setup();
    const r = run('update', 'engine', second.sha);
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain(`pin moved from`);
    expect(r.out).toContain(`to ${second.sha} (${second.date}, "second")`);
    const expected = before.replace(/"commit": "[0-9a-f]{40}",\n(\s+)"pinned_at": "[\d-]+"/, `"commit": "${second.sha}",\n$1"pinned_at": "${second.date}"`);
    expect(readFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), 'utf8')).toBe(expected);
    expect(readPins()).toEqual({ engine: pin(second.sha, second.date), other });
  });

  it('resolves a branch name to the full commit at its tip', () => {
    const { up, first } = setup();
    const third = up.commit('b', '3', 'third');
    git(up.dir, 'branch', 'release', first.sha);
    expect(run('update', 'engine', 'main').code).toBe(0);
    expect(readPins().engine).toMatchObject({ commit: third.sha, pinned_at: third.date });
    expect(run('update', 'engine', 'release').code).toBe(0);
    expect(readPins().engine).toMatchObject({ commit: first.sha, pinned_at: first.date });
  });

  it('resolves a short commit id and an annotated tag to full commit ids', () => {
    const { up, first, second } = setup();
    expect(run('update', 'engine', second.sha.slice(0, 8)).code).toBe(0);
    expect(readPins().engine?.commit).toBe(second.sha);
    git(up.dir, 'tag', '-a', 'v1.0', '-m', 'release 1.0', first.sha);
    expect(run('update', 'engine', 'v1.0').code).toBe(0);
    expect(readPins().engine?.commit).toBe(first.sha);
  });

  it('says so when the pin is already there', () => {
    const { first, before } = setup();
    const r = run('update', 'engine', first.sha);
    expect(r.code).toBe(0);
    expect(r.out).toContain('already pinned');
    expect(readFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), 'utf8')).toBe(before);
  });

  it('refuses a commit or branch that does not exist, leaving the file unchanged', () => {
    const { before } = setup();
    for (const ref of ['0123456789abcdef0123456789abcdef01234567', 'no-such-branch', 'abc1234']) {
      const r = run('update', 'engine', ref);
      expect(r.code, ref).toBe(1);
      expect(r.err).toContain(`"${ref}" is not a commit, branch or tag of`);
      expect(r.err).toContain('The pin of engine is unchanged.');
      expect(readFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), 'utf8')).toBe(before);
    }
  });

  it('refuses an unknown engine and a missing argument', () => {
    const { before } = setup();
    const unknown = run('update', 'nothing', 'main');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no engine called "nothing"');
    const usage = run('update', 'engine');
    expect(usage.code).toBe(1);
    expect(usage.err).toContain('Usage: scripts/vendor/update <name> <commit, branch or tag>');
    expect(readFileSync(path.join(vendorDir, 'VENDOR_PINS.json'), 'utf8')).toBe(before);
  });

  it('leaves a pinned checkout to sync: after an update it reports the mismatch until synced', () => {
    const { first, second } = setup();
    run('sync', 'engine');
    expect(head('engine')).toBe(first.sha);
    run('update', 'engine', second.sha);
    expect(status().engines[0]).toMatchObject({ state: 'mismatch' });
    expect(run('sync', 'engine').code).toBe(0);
    expect(head('engine')).toBe(second.sha);
  });
});
