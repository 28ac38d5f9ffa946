import { z } from 'zod';
import { engineStatusSchema, gpuReportSchema } from './gpu-workers';

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
  /** Its GPU as its engines' Pythons saw it at start; null when the worker did not say (an earlier release). */
  gpu: gpuReportSchema.nullable(),
});
export type GpuWorkerHealth = z.infer<typeof gpuWorkerHealthSchema>;

/** A volume Isengard writes to: `data` (DATA_DIR: photos, datasets, LoRAs, images, the embedded database) or `logs` (LOG_DIR). */
export const DISK_VOLUMES = ['data', 'logs'] as const;

/**
 * Free space of one volume (statfs), against DISK_LOW_FREE_MB and DISK_RESERVE_MB: `low` below the first (health
 * says degraded), `full` below the second (on the data volume, uploads, trainings and generations are refused).
 */
export const diskVolumeSchema = z.object({
  name: z.enum(DISK_VOLUMES),
  /** The folder measured. */
  path: z.string(),
  /** Space a process may still use there, in whole megabytes, and in gigabytes (two decimals). */
  freeMb: z.number(),
  freeGb: z.number(),
  totalMb: z.number(),
  totalGb: z.number(),
  state: z.enum(['ok', 'low', 'full']),
  /** The logs live on the data volume: the same space, counted once. */
  sameVolumeAsData: z.boolean().optional(),
});
export type DiskVolume = z.infer<typeof diskVolumeSchema>;

/** A size given in megabytes, in words: "10 GB", "2.1 GB", "512 MB", "3.4 MB". */
export function sizeText(mb: number): string {
  if (mb >= 1024) {
    const gb = mb / 1024;
    return `${gb >= 100 ? Math.round(gb) : Math.round(gb * 10) / 10} GB`;
  }
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

export const diskHealthSchema = z.object({
  /** DISK_LOW_FREE_MB and DISK_RESERVE_MB. */
  lowFreeMb: z.number(),
  reserveMb: z.number(),
  /** The volumes that could be measured. */
  volumes: z.array(diskVolumeSchema),
});
export type DiskHealth = z.infer<typeof diskHealthSchema>;

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
    /** Free space on the data and log volumes. */
    disk: healthCheckSchema,
    /** Whether the live GPU workers can use their GPUs (a job on one that cannot fails at once). */
    gpu: healthCheckSchema,
  }),
  disk: diskHealthSchema,
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
