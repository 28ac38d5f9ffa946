// The engine pins (vendor/VENDOR_PINS.json) and the checkouts fetched at them (vendor/<name>/). Plain Node with no
// dependencies: the container build runs these before `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { archiveCheckoutChanges, readMarker, unpackArchive } from './archive.mjs';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const FULL_SHA = /^[0-9a-f]{40}$/;

/** The folder holding VENDOR_PINS.json and the checkouts; ISENGARD_VENDOR_DIR moves it (tests use a scratch copy). */
export function vendorDir() {
  return path.resolve(PROJECT_ROOT, process.env.ISENGARD_VENDOR_DIR?.trim() || 'vendor');
}

export function pinsFile() {
  return path.join(vendorDir(), 'VENDOR_PINS.json');
}

/** @returns {{text: string, pins: Record<string, {repository: string, commit: string, pinned_at: string, purpose: string}>}} */
export function readPins() {
  if (!existsSync(pinsFile())) throw new VendorError(`${pinsFile()} does not exist.`);
  const text = readFileSync(pinsFile(), 'utf8');
  return { text, pins: JSON.parse(text) };
}

/** Writes the pins back in the file's own layout (indentation, final newline), so a diff shows only what moved. */
export function writePins(previousText, pins) {
  const indent = /^\{\r?\n([ \t]+)"/.exec(previousText)?.[1] ?? '  ';
  const newline = previousText.endsWith('\n') ? '\n' : '';
  const file = pinsFile();
  const staging = `${file}.${process.pid}.tmp`;
  writeFileSync(staging, JSON.stringify(pins, null, indent) + newline);
  renameSync(staging, file);
}

/** `ai-toolkit` → `ISENGARD_VENDOR_AI_TOOLKIT_REPO`: where to fetch from instead of the pinned repository (a mirror). */
export function repoOverrideVar(name) {
  return `ISENGARD_VENDOR_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_REPO`;
}

export function repositoryOf(name, pin) {
  return process.env[repoOverrideVar(name)]?.trim() || pin.repository;
}

export class VendorError extends Error {}

/**
 * Runs git without ever prompting (a wrong URL must fail, not wait for a password). The checkouts are our own even
 * when another user owns them (a container started with --user 0), so git's ownership check is lifted.
 */
export function git(args, options = {}) {
  const result = spawnSync('git', ['-c', 'advice.detachedHead=false', '-c', 'safe.directory=*', ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    timeout: options.timeoutMs ?? 1_800_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new VendorError(`Could not run git: ${result.error.message}`);
  const out = { ok: result.status === 0, stdout: result.stdout.trimEnd(), stderr: result.stderr.trim() };
  if (!out.ok && !options.allowFailure) {
    throw new VendorError(`"git ${args.join(' ')}" failed: ${lastLine(out.stderr) || `exit ${result.status}`}`);
  }
  return out;
}

function lastLine(text) {
  return text.split('\n').filter(Boolean).at(-1) ?? '';
}

function short(sha) {
  return sha ? sha.slice(0, 12) : '-';
}

/**
 * Where a checkout stands against its pin. Only changes to tracked files make a tree dirty: engines write
 * their own untracked files (the venv, caches, models, outputs) and those do not change the engine's code.
 */
export function engineStatus(name, pin) {
  const dir = path.join(vendorDir(), name);
  const base = { name, repository: pin.repository, commit: pin.commit, pinned_at: pin.pinned_at, purpose: pin.purpose, path: dir };
  if (!existsSync(dir) || readdirSync(dir).length === 0) {
    return { ...base, present: false, head: null, matches: false, dirty: false, state: 'missing', message: `not fetched (run scripts/vendor/sync ${name})` };
  }
  const fromArchive = readMarker(dir);
  if (fromArchive) {
    // Unpacked from an archive of the pinned commit (scripts/vendor/sync --from-archive): no git history, but every
    // file is verified against the commit's listing.
    const matches = fromArchive.commit === pin.commit;
    const changed = archiveCheckoutChanges(dir);
    const dirty = changed.length > 0;
    const problems = [];
    if (!matches) problems.push(`unpacked from an archive of ${short(fromArchive.commit)}, not the pinned ${short(pin.commit)}`);
    if (dirty) problems.push(`${changed.length} file(s) differ from the archive's listing`);
    const state = !matches ? 'mismatch' : dirty ? 'dirty' : 'ok';
    const message = problems.length ? problems.join('; ') : 'unpacked from the archive of the pinned commit; every file verified';
    return { ...base, present: true, head: fromArchive.commit, matches, dirty, state, message, changed, archive: true };
  }
  const top = git(['rev-parse', '--show-toplevel'], { cwd: dir, allowFailure: true });
  if (!top.ok || path.resolve(top.stdout) !== path.resolve(dir)) {
    return { ...base, present: true, head: null, matches: false, dirty: false, state: 'not-a-checkout', message: `${dir} is not a git checkout` };
  }
  const head = git(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir, allowFailure: true }).stdout || null;
  const changes = git(['status', '--porcelain', '--untracked-files=no'], { cwd: dir }).stdout;
  const dirty = changes !== '';
  const matches = head === pin.commit;
  const problems = [];
  if (!matches) problems.push(head ? `checked out at ${short(head)}, not the pinned ${short(pin.commit)}` : 'no commit checked out');
  if (dirty) problems.push(`${changes.split('\n').length} tracked file(s) changed locally`);
  const state = !matches ? 'mismatch' : dirty ? 'dirty' : 'ok';
  return { ...base, present: true, head, matches, dirty, state, message: problems.length ? problems.join('; ') : 'at the pinned commit' };
}

/** Every pin with its checkout's status; `ok` is false when a fetched engine is not exactly its pin. */
export function allStatuses() {
  const { pins } = readPins();
  const engines = Object.entries(pins).map(([name, pin]) => engineStatus(name, pin));
  return { ok: engines.every((e) => e.state === 'ok' || e.state === 'missing'), engines };
}

function hasCommit(dir, sha) {
  return git(['cat-file', '-e', `${sha}^{commit}`], { cwd: dir, allowFailure: true }).ok;
}

/**
 * Brings commit `sha` of `url` into the repository at `dir`: one shallow fetch by id (what GitHub allows); a server
 * that refuses ids it does not advertise gets a fetch of all its branches and tags, which holds every pinned commit.
 */
function fetchCommit(dir, url, sha) {
  if (hasCommit(dir, sha)) return;
  const shallow = git(['fetch', '--quiet', '--depth', '1', url, sha], { cwd: dir, allowFailure: true });
  if (shallow.ok && hasCommit(dir, sha)) return;
  const full = git(['fetch', '--quiet', '--tags', url, '+refs/heads/*:refs/remotes/upstream/*'], { cwd: dir, allowFailure: true });
  if (!full.ok) throw new VendorError(`Could not fetch from ${url}: ${lastLine(full.stderr) || lastLine(shallow.stderr)}`);
  if (!hasCommit(dir, sha)) throw new VendorError(`Commit ${sha} does not exist in ${url}.`);
}

function checkout(dir, sha) {
  git(['checkout', '--quiet', '--force', '--detach', sha], { cwd: dir });
  if (existsSync(path.join(dir, '.gitmodules'))) git(['submodule', '--quiet', 'update', '--init', '--recursive', '--force'], { cwd: dir });
  const head = git(['rev-parse', 'HEAD'], { cwd: dir }).stdout;
  if (head !== sha) throw new VendorError(`After checking out ${dir}, HEAD is ${head}, not the pinned ${sha}.`);
}

/**
 * Makes vendor/<name>/ exactly the pinned commit. A matching clean checkout is left alone; a tree with local
 * changes is refused unless `force` (which discards them; untracked files such as the venv stay).
 * @returns {{name: string, action: 'unchanged' | 'fetched' | 'moved' | 'reset', from?: string | null, commit: string}}
 */
export function syncEngine(name, pin, { force = false } = {}) {
  if (!FULL_SHA.test(pin.commit)) throw new VendorError(`The pin of ${name} is "${pin.commit}", not a full 40-character commit id.`);
  const url = repositoryOf(name, pin);
  const status = engineStatus(name, pin);
  const dir = status.path;

  if (status.state === 'ok') return { name, action: 'unchanged', commit: pin.commit };
  if (status.state === 'not-a-checkout' && !force) {
    throw new VendorError(`${dir} exists but is not a git checkout. Move it away, or run again with --force to replace it.`);
  }
  if (status.dirty && !force) {
    const changed = status.archive
      ? status.changed.map((line) => `   ${line}`)
      : git(['status', '--porcelain', '--untracked-files=no'], { cwd: dir }).stdout.split('\n');
    const shown = changed.slice(0, 5).map((line) => `    ${line.slice(3)}`).join('\n');
    const more = changed.length > 5 ? `\n    ... and ${changed.length - 5} more` : '';
    throw new VendorError(
      `${dir} has local changes to ${changed.length} tracked file(s):\n${shown}${more}\n` +
        'Keep them somewhere else first, or run again with --force to discard them.',
    );
  }

  // A checkout unpacked from an archive has no git repository of its own: it is replaced by a fetched one.
  if (status.state === 'missing' || status.state === 'not-a-checkout' || status.archive) {
    // Fetched beside its final place and moved in at the end: an interrupted sync leaves no half checkout behind.
    mkdirSync(vendorDir(), { recursive: true });
    const staging = mkdtempSync(path.join(vendorDir(), `.${name}.partial-`));
    try {
      git(['init', '--quiet'], { cwd: staging });
      git(['remote', 'add', 'origin', url], { cwd: staging });
      fetchCommit(staging, url, pin.commit);
      checkout(staging, pin.commit);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    return { name, action: 'fetched', commit: pin.commit };
  }

  if (!git(['remote', 'set-url', 'origin', url], { cwd: dir, allowFailure: true }).ok) git(['remote', 'add', 'origin', url], { cwd: dir });
  fetchCommit(dir, url, pin.commit);
  checkout(dir, pin.commit);
  return { name, action: status.head === pin.commit ? 'reset' : 'moved', from: status.head, commit: pin.commit };
}

/**
 * Makes vendor/<name>/ the pinned commit from the archives in `archiveDir` rather than from the repository: every
 * file verified against the commit's listing. A checkout already at the pin (from git or an archive, unchanged) is
 * left alone; anything else present is refused unless `force`, which replaces it (untracked files included).
 * @returns {{name: string, action: 'unchanged' | 'unpacked' | 'replaced', files?: number, absent?: string[], commit: string}}
 */
export function syncFromArchive(name, pin, archiveDir, { force = false } = {}) {
  if (!FULL_SHA.test(pin.commit)) throw new VendorError(`The pin of ${name} is "${pin.commit}", not a full 40-character commit id.`);
  const status = engineStatus(name, pin);
  if (status.state === 'ok') return { name, action: 'unchanged', commit: pin.commit };
  if (status.present && !force) {
    const what = status.changed?.length
      ? `has ${status.changed.length} file(s) that differ from the archive's listing:\n${status.changed.slice(0, 5).map((c) => `    ${c}`).join('\n')}\n`
      : `is not the pinned commit (${status.message}). `;
    throw new VendorError(`${status.path} ${what}Move it away, or run again with --force to replace it.`);
  }
  const done = unpackArchive(name, pin.commit, archiveDir, status.path);
  return { name, action: status.present ? 'replaced' : 'unpacked', commit: pin.commit, ...done };
}

/**
 * The full commit id and date of `ref` (a commit id, a short id, a branch or a tag) in the repository at `url`,
 * fetched for real so that a pin can only ever name a commit that exists.
 * @returns {{commit: string, date: string, subject: string}}
 */
export function resolveCommit(url, ref) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-vendor-'));
  try {
    git(['init', '--quiet', '--bare'], { cwd: scratch });
    let sha;
    if (FULL_SHA.test(ref.toLowerCase())) {
      sha = ref.toLowerCase();
    } else {
      const listed = git(['ls-remote', url, ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/tags/${ref}^{}`], { cwd: scratch, allowFailure: true });
      if (!listed.ok) throw new VendorError(`Could not reach ${url}: ${lastLine(listed.stderr)}`);
      const refs = new Map(listed.stdout.split('\n').filter(Boolean).map((line) => line.split('\t').reverse()));
      // An annotated tag's own id is not a commit; its peeled entry (^{}) is.
      sha = refs.get(`refs/heads/${ref}`) ?? refs.get(`refs/tags/${ref}^{}`) ?? refs.get(`refs/tags/${ref}`) ?? refs.get(ref);
    }
    if (sha) {
      fetchCommit(scratch, url, sha);
    } else if (/^[0-9a-f]{4,39}$/i.test(ref)) {
      // A short id can only be expanded against the history that contains it.
      const full = git(['fetch', '--quiet', '--filter=blob:none', '--tags', url, '+refs/heads/*:refs/remotes/upstream/*'], { cwd: scratch, allowFailure: true });
      if (!full.ok) throw new VendorError(`Could not fetch from ${url}: ${lastLine(full.stderr)}`);
      const found = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: scratch, allowFailure: true });
      if (!found.ok) throw new VendorError(`"${ref}" is not a commit, branch or tag of ${url}.`);
      sha = found.stdout;
    } else {
      throw new VendorError(`"${ref}" is not a commit, branch or tag of ${url}.`);
    }
    const [date, subject] = git(['show', '-s', '--format=%cs%n%s', sha], { cwd: scratch }).stdout.split('\n');
    return { commit: sha, date: date ?? '', subject: subject ?? '' };
  } catch (err) {
    if (err instanceof VendorError && /does not exist/.test(err.message)) {
      throw new VendorError(`"${ref}" is not a commit, branch or tag of ${url}.`);
    }
    throw err;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Command-line plumbing shared by the three tools: a clear message and exit status instead of a stack trace. */
export function runCli(main) {
  try {
    process.exitCode = main(process.argv.slice(2)) ?? 0;
  } catch (err) {
    if (!(err instanceof VendorError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}

export function unknownEngine(name, names) {
  return new VendorError(`There is no engine called "${name}" in ${pinsFile()}. Known engines: ${names.join(', ')}.`);
}
