import type { LogLevel } from '../../lib/config';

const RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

/**
 * What the all-in-one shows in the terminal for a line a child printed: its warnings and errors in one short
 * readable line (the full JSON is in the log files). Returns undefined to show nothing.
 */
export function terminalLine(raw: string, source: string, minimum: LogLevel = 'WARN'): string | undefined {
  let parsed: { level?: string; message?: string; service?: string; timestamp?: string } | undefined;
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    return `  ${source} | ${raw}`;
  }
  const level = parsed?.level ?? 'INFO';
  if ((RANK[level] ?? 1) < RANK[minimum]!) return undefined;
  const time = (parsed?.timestamp ?? new Date().toISOString()).slice(11, 19);
  return `  ${time} ${level.padEnd(5)} ${source} | ${parsed?.message ?? raw}`;
}
