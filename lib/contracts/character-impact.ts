import { z } from 'zod';

const activeJob = z.object({ id: z.uuid(), status: z.enum(['queued', 'running']) });

/**
 * What deleting a character would take with it, counted now (`GET /api/characters/:id/deletion-impact`). Its photos,
 * training runs and LoRAs go with it; the pictures generated of it stay in the gallery. A character with a job still
 * queued or running cannot be deleted until the job has ended (stopped, cancelled or finished).
 */
export const deletionImpactSchema = z.object({
  photos: z.number(),
  trainingRuns: z.number(),
  loras: z.number(),
  generations: z.number(),
  /** Generated pictures of the character: they stay in the gallery. */
  pictures: z.number(),
  activeTrainings: z.array(activeJob),
  activeGenerations: z.array(activeJob),
});
export type DeletionImpact = z.infer<typeof deletionImpactSchema>;
