// scripts/vendor/update <name> <commit|branch|tag>: moves an engine's pin to a commit that is fetched from its
// repository first (so it surely exists); records the full commit id and its date, keeps the purpose.
import { readPins, repositoryOf, resolveCommit, runCli, unknownEngine, VendorError, writePins } from './vendor.mjs';

runCli((args) => {
  if (args.length !== 2 || args.some((a) => a.startsWith('-'))) {
    throw new VendorError('Usage: scripts/vendor/update <name> <commit, branch or tag>');
  }
  const [name, ref] = /** @type {[string, string]} */ (args);
  const { text, pins } = readPins();
  const pin = pins[name];
  if (!pin) throw unknownEngine(name, Object.keys(pins));
  const url = repositoryOf(name, pin);
  process.stdout.write(`${name}: looking up "${ref}" in ${url} ...\n`);
  let found;
  try {
    found = resolveCommit(url, ref);
  } catch (err) {
    if (err instanceof VendorError) throw new VendorError(`${err.message} The pin of ${name} is unchanged.`);
    throw err;
  }
  if (found.commit === pin.commit && found.date === pin.pinned_at) {
    process.stdout.write(`${name}: already pinned to ${found.commit} (${found.date}); nothing changed.\n`);
    return 0;
  }
  const previous = `${pin.commit.slice(0, 12)} (${pin.pinned_at})`;
  pins[name] = { ...pin, commit: found.commit, pinned_at: found.date };
  writePins(text, pins);
  process.stdout.write(
    `${name}: pin moved from ${previous} to ${found.commit} (${found.date}, "${found.subject}").\n` +
      `Fetch it with: scripts/vendor/sync ${name}\n`,
  );
  return 0;
});
