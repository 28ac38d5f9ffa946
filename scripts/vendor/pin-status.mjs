// scripts/vendor/pin-status [--json]: each engine's pin and where its checkout stands. Exit 1 when a fetched
// engine is not exactly at its pin (another commit, or local changes); engines not fetched yet do not count.
import path from 'node:path';
import { allStatuses, PROJECT_ROOT, pinsFile, repoOverrideVar, runCli } from './vendor.mjs';

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

runCli((args) => {
  const status = allStatuses();
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return status.ok ? 0 : 1;
  }
  const shown = (p) => (p.startsWith(PROJECT_ROOT + path.sep) ? path.relative(PROJECT_ROOT, p) : p);
  const rows = [['ENGINE', 'STATE', 'PINNED COMMIT', 'PINNED AT', 'CHECKOUT HEAD', 'MATCHES PIN', 'TREE']];
  for (const e of status.engines) {
    rows.push([
      e.name,
      e.state,
      e.commit,
      e.pinned_at,
      e.head ? e.head.slice(0, 12) : e.present ? '(none)' : '(not fetched)',
      e.present ? (e.matches ? 'yes' : 'NO') : '-',
      e.present && e.head ? (e.dirty ? 'DIRTY' : 'clean') : '-',
    ]);
  }
  const lines = [`Engine pins (${shown(pinsFile())})`, '', table(rows), ''];
  for (const e of status.engines) {
    const mirror = process.env[repoOverrideVar(e.name)]?.trim();
    lines.push(`${e.name}: ${e.repository}${mirror ? ` (fetched from ${mirror}, ${repoOverrideVar(e.name)})` : ''}`);
    lines.push(`  ${e.purpose}`, `  ${shown(e.path)}: ${e.message}`);
  }
  const off = status.engines.filter((e) => e.state !== 'ok' && e.state !== 'missing');
  const fetched = status.engines.filter((e) => e.state !== 'missing');
  lines.push(
    '',
    off.length > 0
      ? `${off.map((e) => e.name).join(', ')} ${off.length === 1 ? 'is' : 'are'} not at the pinned commit: run scripts/vendor/sync (with --force to discard local changes).`
      : fetched.length === 0
        ? 'No engine is fetched yet: scripts/vendor/sync fetches them at their pins.'
        : 'Every fetched engine is at its pinned commit.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return status.ok ? 0 : 1;
});
