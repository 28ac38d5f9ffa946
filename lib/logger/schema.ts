import { z } from 'zod';

export const SERVICES = ['api', 'worker', 'web', 'temporal'] as const;
export type Service = (typeof SERVICES)[number];

/** A dotted, lower-case event name such as `request.start` or `engine.exit`. */
export const EVENT_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** The observability standard (design §8): the shape of every log line, in every file. */
export const logLineSchema = z.strictObject({
  timestamp: z.iso.datetime({ offset: false, precision: 3, error: 'must be an ISO-8601 UTC timestamp' }),
  level: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  service: z.enum(SERVICES),
  correlation_id: z.string().min(1).max(128).nullable(),
  message: z.string(),
  event: z.string().regex(EVENT_PATTERN, 'must be a dotted lower-case name such as request.start'),
  context: z.record(z.string(), z.unknown()),
});

export type LogLine = z.infer<typeof logLineSchema>;
