import { z } from 'zod';

export const HEALTH_STATUSES = ['ok', 'degraded', 'down'] as const;

/** One check: whether it passed and, in plain words, what was found or what is wrong. */
export const healthCheckSchema = z.object({ ok: z.boolean(), message: z.string() });
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const workerPollerSchema = z.object({
  queue: z.string(),
  /** Temporal worker identity, `pid@host`. */
  identity: z.string(),
});

export const healthSchema = z.object({
  status: z.enum(HEALTH_STATUSES),
  mode: z.enum(['fast-test', 'production']),
  checks: z.object({
    temporal: healthCheckSchema,
    database: healthCheckSchema,
    workers: healthCheckSchema,
    /** `starting`: an engine's server was started and does not answer yet, so this may pass by itself. */
    engines: healthCheckSchema.extend({ starting: z.boolean().optional() }),
    /** The base models' weights, downloaded on the Models page. */
    models: healthCheckSchema,
  }),
  workers: z.array(workerPollerSchema),
  /** Where operators watch workflows, when known. */
  temporalUiUrl: z.string().nullable(),
  temporalNamespace: z.string(),
});
export type Health = z.infer<typeof healthSchema>;
