import type { RequestHandler } from 'express';
import {
  CORRELATION_HEADER,
  isValidCorrelationId,
  newCorrelationId,
  withCorrelationId,
} from '../../lib/logger/correlation';

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
  }
}

/** Takes `X-Correlation-ID` from the request (or makes one), returns it, and runs the request inside it. */
export const correlation: RequestHandler = (req, res, next) => {
  const incoming = req.get(CORRELATION_HEADER);
  const id = isValidCorrelationId(incoming) ? incoming : newCorrelationId();
  req.correlationId = id;
  res.setHeader(CORRELATION_HEADER, id);
  withCorrelationId(id, next);
};
