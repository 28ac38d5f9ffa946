import { z } from 'zod';
import { storable, toStorable } from './text';

/** An engine as a GPU worker reports it (plugins/engine.ts EngineStatus). */
export const engineStatusSchema = z.strictObject({
  kind: z.enum(['training', 'image', 'video']),
  id: z.string().min(1).max(64).check(storable()),
  label: z.string().min(1).max(64).overwrite(toStorable),
  state: z.enum(['ready', 'simulated', 'starting', 'missing', 'error']),
  /** The engine's own words: what the database cannot store is replaced (lib/contracts/text.ts). */
  message: z.string().max(2000).overwrite(toStorable),
});

/**
 * What a GPU worker reports about itself every few seconds (internal API, `POST /internal/workers/:workerId`):
 * that it is alive, what its engines can do, and which jobs hold its GPU slots. A worker that stops reporting for
 * GPU_LOST_AFTER_SECONDS counts as lost.
 */
export const gpuWorkerReportSchema = z.strictObject({
  identity: z.string().min(1).max(200).overwrite(toStorable),
  hostname: z.string().min(1).max(200).overwrite(toStorable),
  queue: z.string().min(1).max(200).check(storable()),
  capacity: z.int().min(1).max(64),
  engines: z.array(engineStatusSchema).max(16),
  /** Job ids (`training-<run>`, `generation-<id>`, …) holding a GPU slot of this worker. */
  jobs: z.array(z.string().min(1).max(200).check(storable())).max(64),
  startedAt: z.iso.datetime(),
  /** The worker is shutting down cleanly: it is no longer listed. */
  stopping: z.boolean().default(false),
});
export type GpuWorkerReport = z.infer<typeof gpuWorkerReportSchema>;
