import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logger/logger';

/** Paths polled all the time; logged at DEBUG so they do not drown the rest. */
const QUIET = new Set(['/api/health']);

/** `request.start` and `request.end` lines (method, path, status, duration) for every request. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const level = QUIET.has(req.path) ? 'DEBUG' : 'INFO';
    const context = { method: req.method, path: req.path };
    logger.log(level, 'request.start', `${req.method} ${context.path}`, context);
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const endLevel = res.statusCode >= 500 ? 'ERROR' : level;
      logger.log(endLevel, 'request.end', `${req.method} ${context.path} → ${res.statusCode}`, {
        ...context,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
      });
    });
    next();
  };
}
