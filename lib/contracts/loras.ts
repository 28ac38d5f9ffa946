import { z } from 'zod';

export const loraSchema = z.object({
  id: z.uuid(),
  characterId: z.uuid(),
  trainingRunId: z.uuid().nullable(),
  name: z.string(),
  version: z.number(),
  /** Path under models/loras, as ComfyUI lists it. */
  fileName: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  baseModel: z.enum(['flux1-dev', 'sdxl']),
  steps: z.number(),
  rank: z.number().nullable(),
  triggerWord: z.string(),
  downloadUrl: z.string(),
  /** The training engine and version that made it (its run's). */
  engineVersion: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Lora = z.infer<typeof loraSchema>;

export const loraListSchema = z.object({ items: z.array(loraSchema) });
