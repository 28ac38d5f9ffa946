// Engines from archives, for machines that reach package registries but not GitHub: `<name>-<commit>.tar.gz` holds
// the engine's tree at the pinned commit, `<name>-<commit>.ls-tree` is `git ls-tree -r` of that commit (every file's
// blob hash) and `<name>-<commit>.absent` lists the files the archive lacks on purpose. A checkout unpacked from them
// carries MARKER: the commit and the listing, so its files can be verified again later, like a git checkout's.
// Plain Node with no dependencies (tar unpacks).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, VendorError } from './vendor.mjs';

export const MARKER = '.isengard-archive.json';

/** Where the archives are: ISENGARD_ENGINE_ARCHIVES, else ../shared/engines from the project root. */
export function defaultArchiveDir() {
  return path.resolve(PROJECT_ROOT, process.env.ISENGARD_ENGINE_ARCHIVES?.trim() || '../shared/engines');
}

export function archiveFiles(dir, name, commit) {
  const base = path.join(dir, `${name}-${commit}`);
  return { archive: `${base}.tar.gz`, listing: `${base}.ls-tree`, absent: `${base}.absent` };
}

/**
 * A `git ls-tree -r` listing as path → {mode, hash}; the `.absent` file uses the same lines (tab or space before
 * the path).
 * @returns {Map<string, {mode: string, hash: string}>}
 */
export function parseListing(text, source) {
  const entries = new Map();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const match = /^(\d{6}) (\w+) ([0-9a-f]{40})[\t ](.+)$/.exec(line);
    if (!match) throw new VendorError(`${source}: "${line}" is not a line of git ls-tree.`);
    const [, mode, type, hash, file] = match;
    if (type !== 'blob') throw new VendorError(`${source}: ${file} is a ${type}; only files can come from an archive.`);
    entries.set(file, { mode, hash });
  }
  return entries;
}

/** What `git hash-object` says of a file (a link hashes its target, as git stores it). */
export function blobHash(file) {
  const stat = lstatSync(file);
  const content = stat.isSymbolicLink() ? Buffer.from(readlinkSync(file)) : readFileSync(file);
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function modeOf(file) {
  const stat = lstatSync(file);
  if (stat.isSymbolicLink()) return '120000';
  return stat.mode & 0o100 ? '100755' : '100644';
}

/** Every file under `root`, as paths relative to it with forward slashes. */
function filesUnder(root, prefix = '') {
  const found = [];
  for (const entry of readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...filesUnder(root, relative));
    else found.push(relative);
  }
  return found;
}

/**
 * How the tree at `root` differs from the listing: changed or missing files (those in `absent` may be missing), and,
 * when `strict`, files the listing does not name (an engine's own outputs are allowed otherwise, as git allows
 * untracked files).
 * @returns {string[]} one line per problem
 */
export function treeProblems(root, listing, absent, { strict }) {
  const problems = [];
  for (const [file, { mode, hash }] of listing) {
    const full = path.join(root, file);
    if (!existsSync(full) && !lstatSync(full, { throwIfNoEntry: false })) {
      if (!absent.has(file)) problems.push(`missing: ${file}`);
      continue;
    }
    if (absent.has(file)) problems.push(`present although listed as absent: ${file}`);
    else if (blobHash(full) !== hash) problems.push(`changed: ${file}`);
    else if (modeOf(full) !== mode) problems.push(`mode ${modeOf(full)} instead of ${mode}: ${file}`);
  }
  if (strict) {
    for (const file of filesUnder(root)) if (!listing.has(file) && file !== MARKER) problems.push(`not in the listing: ${file}`);
  }
  return problems;
}

/** The marker of a checkout unpacked from an archive, or undefined. */
export function readMarker(dir) {
  const file = path.join(dir, MARKER);
  if (!existsSync(file)) return undefined;
  const marker = JSON.parse(readFileSync(file, 'utf8'));
  return { ...marker, listing: new Map(Object.entries(marker.files)), absent: new Set(marker.absent) };
}

/** Files of an archive checkout that differ from its listing (untracked files do not count). */
export function archiveCheckoutChanges(dir) {
  const marker = readMarker(dir);
  return marker ? treeProblems(dir, marker.listing, marker.absent, { strict: false }) : [];
}

function summary(problems) {
  const shown = problems.slice(0, 5).map((p) => `    ${p}`).join('\n');
  return `${shown}${problems.length > 5 ? `\n    ... and ${problems.length - 5} more` : ''}`;
}

/**
 * Unpacks the archive of `commit` into `target` (replacing it), after verifying every file against the listing.
 * Unpacked beside its final place and moved in at the end: a failed or interrupted unpack leaves nothing behind.
 */
export function unpackArchive(name, commit, archiveDir, target) {
  const { archive, listing: listingFile, absent: absentFile } = archiveFiles(archiveDir, name, commit);
  for (const file of [archive, listingFile]) {
    if (!existsSync(file)) throw new VendorError(`${file} does not exist: no archive of ${name} at the pinned commit ${commit} in ${archiveDir}.`);
  }
  const listing = parseListing(readFileSync(listingFile, 'utf8'), listingFile);
  const absent = new Set(existsSync(absentFile) ? parseListing(readFileSync(absentFile, 'utf8'), absentFile).keys() : []);
  for (const file of absent) if (!listing.has(file)) throw new VendorError(`${absentFile} names ${file}, which the listing does not.`);

  mkdirSync(path.dirname(target), { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(target), `.${name}.partial-`));
  try {
    const tar = spawnSync('tar', ['-xzf', archive, '-C', staging, '--no-same-owner'], { encoding: 'utf8' });
    if (tar.error || tar.status !== 0) throw new VendorError(`Could not unpack ${archive}: ${tar.error?.message ?? tar.stderr.trim()}`);
    const problems = treeProblems(staging, listing, absent, { strict: true });
    if (problems.length) {
      throw new VendorError(`${archive} does not match ${path.basename(listingFile)} (${problems.length} problem(s)):\n${summary(problems)}`);
    }
    const marker = { commit, archive: path.basename(archive), files: Object.fromEntries(listing), absent: [...absent] };
    writeFileSync(path.join(staging, MARKER), `${JSON.stringify(marker)}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { files: listing.size - absent.size, absent: [...absent] };
}

export { summary as problemSummary };
