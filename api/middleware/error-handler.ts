import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { safeErrorMessage } from '../../lib/logger/errors';
import type { Logger } from '../../lib/logger/logger';
import { HttpError } from '../errors';
import { DiskFullError, isDiskFull } from './disk-space';

/** Connection failures of the database client (postgres.js), anywhere in an error's cause chain. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P03']);

function isDatabaseUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (CONNECTION_CODES.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

function send(res: Parameters<ErrorRequestHandler>[2], status: number, body: ApiErrorBody): void {
  if (res.headersSent) return;
  res.status(status).json(body);
}

/** Unknown `/api/...` routes answer JSON, not the web app. */
export const apiNotFound: RequestHandler = (req, res) => {
  send(res, 404, { error: { code: 'not_found', message: `No API route ${req.method} ${req.path}` } });
};

/** Every error becomes `{error: {code, message, details?}}`; clients never see a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof HttpError) {
      const body: ApiErrorBody = { error: { code: err.code, message: err.message } };
      if (err.details !== undefined) body.error.details = err.details;
      send(res, err.status, body);
      return;
    }
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      send(res, 400, { error: { code: 'invalid_json', message: 'The request body is not valid JSON' } });
      return;
    }
    if (type === 'entity.too.large') {
      const limit = (err as { limit?: number }).limit;
      const most = typeof limit === 'number' ? `: at most ${Math.round(limit / 1024)} KB here` : '';
      send(res, 413, { error: { code: 'payload_too_large', message: `The request body is too large${most}` } });
      return;
    }
    // A write that found no space left (a file, or the database on the same volume): a 507 in plain words.
    if (isDiskFull(err)) {
      logger.warn('request.disk_full', `No space left on the disk during ${req.method} ${req.path}`, { error: err });
      const full = new DiskFullError('there was no space left to save this. Free some space, then try again.');
      send(res, full.status, { error: { code: full.code, message: full.message } });
      return;
    }
    if (isDatabaseUnreachable(err)) {
      logger.warn('request.database_unreachable', `Database unreachable during ${req.method} ${req.path}`, { error: err });
      send(res, 503, { error: { code: 'unavailable', message: 'The database is not reachable right now. Try again in a moment.' } });
      return;
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      send(res, status, { error: { code: 'validation_failed', message: (err as Error).message || 'Bad request' } });
      return;
    }
    // safeErrorMessage: a failed query's parameter values (a prompt, notes) stay out of the log; the logger does the
    // same for the `error` object (lib/logger/errors.ts).
    logger.error('request.error', `Unhandled error on ${req.method} ${req.path}: ${safeErrorMessage(err)}`, {
      error: err,
    });
    send(res, 500, {
      error: {
        code: 'internal',
        message: `Something went wrong on the server. The logs have the details under correlation id ${req.correlationId}.`,
      },
    });
  };
}

/** POST/PATCH bodies must be JSON: anything else gets a clear 415 rather than a confusing validation error. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new HttpError(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json)'));
    return;
  }
  next();
};
