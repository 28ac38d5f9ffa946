import { z } from 'zod';
import { engineStatusSchema } from './gpu-workers';

export const HEALTH_STATUSES = ['ok', 'degraded', 'down'] as const;

/** One check: whether it passed and, in plain words, what was found or what is wrong. */
export const healthCheckSchema = z.object({ ok: z.boolean(), message: z.string() });
export type HealthCheck = z.infer<typeof healthCheckSchema>;

export const workerPollerSchema = z.object({
  queue: z.string(),
  /** Temporal worker identity, `pid@host`. */
  identity: z.string(),
});

/** A job holding a GPU worker's slot, in plain words ("the training of Ada"). */
export const gpuJobSchema = z.object({ id: z.string(), label: z.string() });

/**
 * A GPU worker as its own reports show it: `lost` when it has not reported for GPU_LOST_AFTER_SECONDS (crashed,
 * frozen or cut off), with the jobs it held then.
 */
export const gpuWorkerHealthSchema = z.object({
  workerId: z.string(),
  identity: z.string(),
  hostname: z.string(),
  state: z.enum(['idle', 'busy', 'lost']),
  /** Seconds since its last report. */
  silentSeconds: z.number(),
  jobs: z.array(gpuJobSchema),
  engines: z.array(engineStatusSchema),
});
export type GpuWorkerHealth = z.infer<typeof gpuWorkerHealthSchema>;

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
  /** The Temporal workers seen polling Isengard's task queues. */
  workers: z.array(workerPollerSchema),
  gpuWorkers: z.array(gpuWorkerHealthSchema),
  /** Seconds without a report after which a GPU worker counts as lost (GPU_LOST_AFTER_SECONDS). */
  gpuLostAfterSeconds: z.number(),
  /** Where operators watch workflows, when known. */
  temporalUiUrl: z.string().nullable(),
  temporalNamespace: z.string(),
});
export type Health = z.infer<typeof healthSchema>;
