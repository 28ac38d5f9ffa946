import { z } from 'zod';
import { storable, toStorable } from './text';
import { TRAINING_PHASES } from './training';

/**
 * What a GPU worker tells the control plane about a running training (internal API, design §4: progress goes
 * through the control plane into the database, not into the workflow history). Paths are relative to the data root.
 */
export const trainingReportSchema = z.strictObject({
  workerId: z.string().min(1).check(storable()),
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
    .array(
      z.object({
        step: z.int().min(0),
        promptIndex: z.int().min(0),
        prompt: z.string().overwrite(toStorable).nullable(),
        filePath: z.string().check(storable()),
      }),
    )
    .max(100)
    .optional(),
  /** The engine's own words (its log lines): what the database cannot store is replaced (lib/contracts/text.ts). */
  events: z.array(z.object({ kind: z.string().overwrite(toStorable), message: z.string().overwrite(toStorable) })).max(100).optional(),
});
export type TrainingReport = z.infer<typeof trainingReportSchema>;
