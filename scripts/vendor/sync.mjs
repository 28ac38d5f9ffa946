// scripts/vendor/sync [name] [--force]: fetches each engine (or one) at its pinned commit into vendor/<name>/ and
// verifies the commit. A checkout already at its pin is left alone; one with local changes is refused unless --force.
import { readPins, runCli, syncEngine, unknownEngine, VendorError } from './vendor.mjs';

runCli((args) => {
  const force = args.includes('--force');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknownFlag = args.find((a) => a.startsWith('--') && a !== '--force');
  if (unknownFlag || names.length > 1) throw new VendorError('Usage: scripts/vendor/sync [name] [--force]');
  const { pins } = readPins();
  const selected = names.length ? names : Object.keys(pins);
  for (const name of selected) if (!pins[name]) throw unknownEngine(name, Object.keys(pins));

  let failed = 0;
  for (const name of selected) {
    const pin = pins[name];
    process.stdout.write(`${name}: ${pin.commit} (pinned ${pin.pinned_at}) ...\n`);
    try {
      const done = syncEngine(name, pin, { force });
      const what = {
        unchanged: 'already at the pinned commit, left as it is',
        fetched: 'fetched and checked out; HEAD verified',
        moved: `moved from ${done.from?.slice(0, 12) ?? '(no commit)'} to the pinned commit; HEAD verified`,
        reset: 'local changes discarded (--force); HEAD verified',
      }[done.action];
      process.stdout.write(`${name}: ${what}.\n`);
    } catch (err) {
      if (!(err instanceof VendorError)) throw err;
      process.stderr.write(`${name}: ${err.message}\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
});
