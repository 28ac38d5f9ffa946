import path from 'node:path';
import pino, { type DestinationStream } from 'pino';
import type { LogLevel } from '../config';
import { currentCorrelationId } from './correlation';
import { loggableError } from './errors';
import { openLogFile } from './log-file';
import { createRedactor } from './redact';
import { rotateServiceLogs } from './rotate';
import { EVENT_PATTERN, type Service } from './schema';

export type LogContext = Record<string, unknown>;

export interface Logger {
  readonly service: Service;
  debug(event: string, message: string, context?: LogContext): void;
  info(event: string, message: string, context?: LogContext): void;
  warn(event: string, message: string, context?: LogContext): void;
  error(event: string, message: string, context?: LogContext): void;
  log(level: LogLevel, event: string, message: string, context?: LogContext): void;
  isLevelEnabled(level: LogLevel): boolean;
  /** A logger whose lines carry a fixed correlation id and/or extra context. */
  child(bindings: { correlationId?: string; context?: LogContext }): Logger;
  flush(): void;
  /** `text` as this logger's lines would show it (secrets redacted): for what is shown elsewhere, e.g. the terminal. */
  redact(text: string): string;
}

export interface LoggerOptions {
  service: Service;
  level: LogLevel;
  /** The log root (LOG_DIR). Lines go to `<dir>/<service>/latest/<file>.log`. Omit for no file. */
  dir?: string;
  /** File name without `.log`; defaults to the service name (e.g. `client` for browser errors). */
  file?: string;
  /** Also write each line to standard output (what the all-in-one supervisor reads). */
  stdout?: boolean;
  /** Move the previous `latest/` to `archive/<timestamp>/` first (design §8). */
  rotate?: boolean;
  /**
   * While running, the file moves to the archive before a line would take it past this size (and daily): pass
   * `config.log.maxFileBytes` (LOG_MAX_FILE_MB). Default: LOG_MAX_FILE_MB from the environment, else 50 MB.
   */
  maxFileBytes?: number;
  secrets?: readonly string[];
  /** Extra destination, used by tests to capture lines. */
  stream?: DestinationStream;
}

const PINO_LEVEL: Record<LogLevel, pino.Level> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Errors and other non-plain values become JSON-friendly objects (stack included: logs stay server-side). A failed
 * query's parameter values are left out (lib/logger/errors.ts): its SQL and row id are kept.
 */
export function serializeValue(value: unknown): unknown {
  if (value instanceof Error) return loggableError(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function serializeContext(context: LogContext | undefined): LogContext {
  if (!context) return {};
  const out: LogContext = {};
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) out[key] = serializeValue(value);
  }
  return out;
}

function checkedEvent(event: string): string {
  return EVENT_PATTERN.test(event) ? event : 'log.unnamed';
}

class PinoLogger implements Logger {
  constructor(
    readonly service: Service,
    private readonly pino: pino.Logger,
    private readonly redactor: (line: string) => string,
    private readonly bindings: { correlationId?: string; context?: LogContext } = {},
  ) {}

  log(level: LogLevel, event: string, message: string, context?: LogContext): void {
    const method = PINO_LEVEL[level];
    if (!this.pino.isLevelEnabled(method)) return;
    this.pino[method](
      {
        service: this.service,
        correlation_id: this.bindings.correlationId ?? currentCorrelationId() ?? null,
        event: checkedEvent(event),
        context: { ...this.bindings.context, ...serializeContext(context) },
      },
      message,
    );
  }

  debug(event: string, message: string, context?: LogContext): void {
    this.log('DEBUG', event, message, context);
  }
  info(event: string, message: string, context?: LogContext): void {
    this.log('INFO', event, message, context);
  }
  warn(event: string, message: string, context?: LogContext): void {
    this.log('WARN', event, message, context);
  }
  error(event: string, message: string, context?: LogContext): void {
    this.log('ERROR', event, message, context);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(PINO_LEVEL[level]);
  }

  child(bindings: { correlationId?: string; context?: LogContext }): Logger {
    return new PinoLogger(this.service, this.pino, this.redactor, {
      correlationId: bindings.correlationId ?? this.bindings.correlationId,
      context: { ...this.bindings.context, ...serializeContext(bindings.context) },
    });
  }

  flush(): void {
    this.pino.flush();
  }

  redact(text: string): string {
    return this.redactor(text);
  }
}

/** The path of a service's current log file. */
export function logFilePath(dir: string, service: Service, file: string = service): string {
  return path.join(dir, service, 'latest', `${file}.log`);
}

/** Creates a logger that writes design §8 lines (JSON, redacted) to the service's file and/or stdout. */
export function createLogger(options: LoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.dir) {
    if (options.rotate) rotateServiceLogs(options.dir, options.service);
    const file = openLogFile({
      serviceDir: path.join(options.dir, options.service),
      file: logFilePath(options.dir, options.service, options.file),
      maxBytes: options.maxFileBytes,
    });
    streams.push({ level: 'trace', stream: { write: (line: string) => file.write(line) } });
  }
  if (options.stdout) streams.push({ level: 'trace', stream: process.stdout });
  if (options.stream) streams.push({ level: 'trace', stream: options.stream });

  const redact = createRedactor(options.secrets);
  const instance = pino(
    {
      level: PINO_LEVEL[options.level],
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      hooks: { streamWrite: redact },
    },
    pino.multistream(streams),
  );
  return new PinoLogger(options.service, instance, redact);
}
