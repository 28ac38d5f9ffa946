// scripts/vendor/sync [name] [--force] [--from-archive [DIR]]: fetches each engine (or one) at its pinned commit into
// vendor/<name>/ and verifies the commit. A checkout already at its pin is left alone; one with local changes is
// refused unless --force. With --from-archive the source is `<name>-<commit>.tar.gz` in DIR (default: the
// ISENGARD_ENGINE_ARCHIVES variable, else ../shared/engines from the project root), every file verified against
// `<name>-<commit>.ls-tree`: for machines that reach package registries but not GitHub.
import { defaultArchiveDir } from './archive.mjs';
import { PROJECT_ROOT, readPins, runCli, syncEngine, syncFromArchive, unknownEngine, VendorError } from './vendor.mjs';
import path from 'node:path';

const USAGE = 'Usage: scripts/vendor/sync [name] [--force] [--from-archive [DIR]]';

/** `--from-archive DIR`, `--from-archive=DIR` or a bare `--from-archive`; DIR is a word that names no engine. */
function parseArgs(args, engineNames) {
  const options = { force: false, archiveDir: undefined, names: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--force') options.force = true;
    else if (arg.startsWith('--from-archive=')) options.archiveDir = path.resolve(arg.slice('--from-archive='.length));
    else if (arg === '--from-archive') {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--') && !engineNames.includes(next)) {
        options.archiveDir = path.resolve(next);
        i++;
      } else {
        options.archiveDir = defaultArchiveDir();
      }
    } else if (arg.startsWith('--')) throw new VendorError(USAGE);
    else options.names.push(arg);
  }
  if (options.names.length > 1) throw new VendorError(USAGE);
  return options;
}

const shown = (p) => (p.startsWith(PROJECT_ROOT + path.sep) ? path.relative(PROJECT_ROOT, p) : p);

runCli((args) => {
  const { pins } = readPins();
  const { force, archiveDir, names } = parseArgs(args, Object.keys(pins));
  const selected = names.length ? names : Object.keys(pins);
  for (const name of selected) if (!pins[name]) throw unknownEngine(name, Object.keys(pins));

  let failed = 0;
  for (const name of selected) {
    const pin = pins[name];
    const started = Date.now();
    process.stdout.write(`${name}: ${pin.commit} (pinned ${pin.pinned_at})${archiveDir ? ` from the archive in ${shown(archiveDir)}` : ''} ...\n`);
    try {
      const done = archiveDir ? syncFromArchive(name, pin, archiveDir, { force }) : syncEngine(name, pin, { force });
      const absent = done.absent?.length ? `; absent as listed: ${done.absent.join(', ')}` : '';
      const what = {
        unchanged: 'already at the pinned commit, left as it is',
        fetched: 'fetched and checked out; HEAD verified',
        moved: `moved from ${done.from?.slice(0, 12) ?? '(no commit)'} to the pinned commit; HEAD verified`,
        reset: 'local changes discarded (--force); HEAD verified',
        unpacked: `unpacked; ${done.files} files verified against the listing${absent}`,
        replaced: `replaced (--force) by the archive; ${done.files} files verified against the listing${absent}`,
      }[done.action];
      process.stdout.write(`${name}: ${what}. (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (err) {
      if (!(err instanceof VendorError)) throw err;
      process.stderr.write(`${name}: ${err.message}\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
});
