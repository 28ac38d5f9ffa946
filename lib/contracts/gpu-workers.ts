import { z } from 'zod';
import { storable, toStorable } from './text';

/** An engine as a GPU worker reports it (plugins/engine.ts EngineStatus). */
export const engineStatusSchema = z.strictObject({
  kind: z.enum(['training', 'image', 'video', 'captioning']),
  id: z.string().min(1).max(64).check(storable()),
  label: z.string().min(1).max(64).overwrite(toStorable),
  state: z.enum(['ready', 'simulated', 'starting', 'missing', 'error']),
  /** The engine's own words: what the database cannot store is replaced (lib/contracts/text.ts). */
  message: z.string().max(2000).overwrite(toStorable),
});

/** What one engine's Python found when it looked at the GPU (plugins/gpu_probe.py, read by plugins/gpu-probe.ts). */
export const GPU_PROBE_STATES = ['usable', 'unusable', 'missing'] as const;

const versionText = z.string().min(1).max(100).overwrite(toStorable).nullable();
const megabytes = z.int().min(0).max(16_777_216).nullable();

export const gpuProbeSchema = z.strictObject({
  /** The engine whose Python this is (`ai-toolkit`, `comfyui`) and its name for people. */
  engine: z.string().min(1).max(64).check(storable()),
  label: z.string().min(1).max(64).overwrite(toStorable),
  /** `missing`: the Python does not exist yet (the engine is not installed; its own check says so). */
  state: z.enum(GPU_PROBE_STATES),
  python: versionText,
  torch: versionText,
  /** The CUDA version torch was built for (`torch.version.cuda`); null for a CPU-only build. */
  cuda: versionText,
  device: z.string().min(1).max(200).overwrite(toStorable).nullable(),
  totalMb: megabytes,
  freeMb: megabytes,
  /** Why it cannot use the GPU and what to do, in plain words; null when it can. */
  reason: z.string().max(2000).overwrite(toStorable).nullable(),
});
export type GpuProbe = z.infer<typeof gpuProbeSchema>;

/**
 * The GPU of a worker as its engines' Pythons see it, checked once at start. `simulated`: fast-test engines, no GPU
 * used; `checking`: the probes have not answered yet; `unchecked`: no engine's Python is installed to check with;
 * `unusable`: at least one engine cannot use the GPU (its jobs fail at once with `reason`, unless `cpuAllowed`).
 */
export const GPU_STATES = ['usable', 'unusable', 'simulated', 'checking', 'unchecked'] as const;

export const gpuReportSchema = z.strictObject({
  state: z.enum(GPU_STATES),
  device: z.string().min(1).max(200).overwrite(toStorable).nullable(),
  totalMb: megabytes,
  /** Free when checked (at the worker's start, before the engines loaded anything). */
  freeMb: megabytes,
  probes: z.array(gpuProbeSchema).max(8),
  reason: z.string().max(4000).overwrite(toStorable).nullable(),
  /** ALLOW_CPU_ENGINES: jobs run on the CPU instead of failing (slow; for tests of the real engines). */
  cpuAllowed: z.boolean(),
  checkedAt: z.iso.datetime().nullable(),
});
export type GpuReport = z.infer<typeof gpuReportSchema>;

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
  /** Whether its GPU is usable; absent from a worker of an earlier release. */
  gpu: gpuReportSchema.optional(),
  /** The worker is shutting down cleanly: it is no longer listed. */
  stopping: z.boolean().default(false),
});
export type GpuWorkerReport = z.infer<typeof gpuWorkerReportSchema>;
