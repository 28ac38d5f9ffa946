import { z } from 'zod';
import { TRAINING_PHASES } from './training';

/**
 * What a GPU worker tells the control plane about a running training (internal API, design §4: progress goes
 * through the control plane into the database, not into the workflow history). Paths are relative to the data root.
 */
export const trainingReportSchema = z.strictObject({
  workerId: z.string().min(1),
  /** The engine start this report is about; reports from an older start are refused. */
  attempt: z.int().min(1),
  phase: z.enum(TRAINING_PHASES).optional(),
  step: z.int().min(0).optional(),
  totalSteps: z.int().min(1).optional(),
  itPerSec: z.number().min(0).nullable().optional(),
  etaSeconds: z.number().min(0).nullable().optional(),
  lastCheckpointStep: z.int().min(0).optional(),
  /** New [step, loss] points since the last report. */
  losses: z.array(z.tuple([z.int().min(0), z.number()])).max(10_000).optional(),
  samples: z
    .array(z.object({ step: z.int().min(0), promptIndex: z.int().min(0), prompt: z.string().nullable(), filePath: z.string() }))
    .max(100)
    .optional(),
  events: z.array(z.object({ kind: z.string(), message: z.string() })).max(100).optional(),
});
export type TrainingReport = z.infer<typeof trainingReportSchema>;
