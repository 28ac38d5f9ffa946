import { validateLogTree } from './validate';

/** `scripts/validate-logs <dir>`: exits 1 if any line of any log file under <dir> breaks the schema. */
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('Usage: scripts/validate-logs <log folder>   (for example: scripts/validate-logs logs)\n');
  process.exit(2);
}
try {
  const report = validateLogTree(dir);
  for (const p of report.problems.slice(0, 50)) process.stdout.write(`${p.file}:${p.line}: ${p.problem}\n`);
  if (report.problems.length > 50) process.stdout.write(`... and ${report.problems.length - 50} more\n`);
  process.stdout.write(
    `${report.files} files, ${report.lines} lines checked: ${report.problems.length === 0 ? 'all valid' : `${report.problems.length} invalid`}\n`,
  );
  process.exit(report.problems.length === 0 ? 0 : 1);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
