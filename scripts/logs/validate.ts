import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
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

function logFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return logFiles(full);
    return entry.isFile() && entry.name.endsWith('.log') ? [full] : [];
  });
}

/** Checks every line of every `*.log` file under `root` against the observability standard (design §8). */
export function validateLogTree(root: string): ValidationReport {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${root} is not a folder`);
  }
  const report: ValidationReport = { files: 0, lines: 0, problems: [] };
  for (const file of logFiles(root)) {
    report.files++;
    const lines = readFileSync(file, 'utf8').split('\n');
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
