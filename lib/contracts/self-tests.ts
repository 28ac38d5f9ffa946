import { z } from 'zod';

export const createSelfTestInput = z.strictObject({
  /** How many heartbeating steps the GPU part runs. */
  steps: z.int('steps must be a whole number').min(1, 'steps must be at least 1').max(120, 'steps can be at most 120').default(3),
  /** How long each step takes on the GPU worker, in milliseconds. */
  stepMs: z
    .int('stepMs must be a whole number')
    .min(0, 'stepMs cannot be negative')
    .max(10_000, 'stepMs can be at most 10000')
    .default(200),
});
export type CreateSelfTestInput = z.input<typeof createSelfTestInput>;

export const selfTestSchema = z.object({
  id: z.uuid(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  steps: z.number(),
  step: z.number(),
  workflowId: z.string(),
  gpuWorkers: z.array(z.string()),
  result: z.record(z.string(), z.unknown()).nullable(),
  errorMessage: z.string().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type SelfTest = z.infer<typeof selfTestSchema>;
