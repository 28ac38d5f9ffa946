import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { logLineSchema } from '../../lib/logger/schema';

export interface LogProblem {
  file: string;
  line: number;
  problem: string;
}

export interface ValidationReport {
  files: number;
  lines: number;
  problems: LogProblem[];
}

/** `*.log` files, and the `*.log.gz` that archives older than a week are compressed to (lib/logger/rotate.ts). */
function logFiles(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return logFiles(full);
    return entry.isFile() && (entry.name.endsWith('.log') || entry.name.endsWith('.log.gz')) ? [full] : [];
  });
}

function readLog(file: string): string {
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/**
 * Checks every line of every log file under `root` (`*.log`, and `*.log.gz` in older archives) against the
 * observability standard (design §8). Works on one service's folder, or the whole log root.
 */
export function validateLogTree(root: string): ValidationReport {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${root} is not a folder`);
  }
  const report: ValidationReport = { files: 0, lines: 0, problems: [] };
  for (const file of logFiles(root)) {
    report.files++;
    let content: string;
    try {
      content = readLog(file);
    } catch (err) {
      report.problems.push({ file: path.relative(root, file), line: 0, problem: `unreadable: ${(err as Error).message}` });
      continue;
    }
    const lines = content.split('\n');
    lines.forEach((text, index) => {
      if (text === '' && index === lines.length - 1) return;
      report.lines++;
      const where = { file: path.relative(root, file), line: index + 1 };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        report.problems.push({ ...where, problem: 'not a JSON object' });
        return;
      }
      const parsed = logLineSchema.safeParse(value);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`);
        report.problems.push({ ...where, problem: issues.join('; ') });
      }
    });
  }
  return report;
}
