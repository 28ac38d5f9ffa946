import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type DestinationStream } from 'pino';
import type { LogLevel } from '../config';
import { currentCorrelationId } from './correlation';
import { createRedactor } from './redact';
import { registerWriter, rotateServiceLogs } from './rotate';
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
  secrets?: readonly string[];
  /** Extra destination, used by tests to capture lines. */
  stream?: DestinationStream;
}

const PINO_LEVEL: Record<LogLevel, pino.Level> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Errors and other non-plain values become JSON-friendly objects (stack included: logs stay server-side). */
export function serializeValue(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if (value.stack) out.stack = value.stack;
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.cause !== undefined && depth < 3) out.cause = serializeValue(value.cause, depth + 1);
    return out;
  }
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
    return new PinoLogger(this.service, this.pino, {
      correlationId: bindings.correlationId ?? this.bindings.correlationId,
      context: { ...this.bindings.context, ...serializeContext(bindings.context) },
    });
  }

  flush(): void {
    this.pino.flush();
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
    const file = logFilePath(options.dir, options.service, options.file);
    mkdirSync(path.dirname(file), { recursive: true });
    const unregister = registerWriter(path.dirname(file));
    process.once('exit', unregister);
    streams.push({ level: 'trace', stream: pino.destination({ dest: file, append: true, sync: true }) });
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
  return new PinoLogger(options.service, instance);
}
