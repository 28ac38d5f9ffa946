import type { LogLevel } from '../../lib/config';
import type { Logger } from '../../lib/logger/logger';

const LEVELS: Record<string, LogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  dpanic: 'ERROR',
  panic: 'ERROR',
  fatal: 'ERROR',
};

/**
 * Re-logs one line of `temporal server start-dev` (zap JSON with --log-format json, or its plain start-up banner)
 * as a line of ours, service `temporal`, so that every file under logs/ follows one schema. The line goes through
 * the logger's redaction like every other; the text returned (what the supervisor shows in the terminal) is
 * redacted alike.
 */
export function relogTemporalLine(logger: Logger, raw: string): { level: LogLevel; text: string } {
  let parsed: Record<string, unknown> | undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    // the banner, or a panic trace
  }
  if (!parsed) {
    logger.info('temporal.output', raw.trim());
    return { level: 'INFO', text: logger.redact(raw.trim()) };
  }
  // zap lines carry `ts`, slog lines `time`.
  const { level, msg, ts, time, logger: _name, caller: _caller, ...context } = parsed;
  const mapped = LEVELS[String(level).toLowerCase()] ?? 'INFO';
  const text = typeof msg === 'string' ? msg : raw;
  logger.log(mapped, 'temporal.server', text, { ...context, serverTime: ts ?? time });
  return { level: mapped, text: logger.redact(text) };
}
