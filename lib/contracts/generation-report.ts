import { z } from 'zod';
import { storable } from './text';

/** One image a GPU worker wrote for a generation; the path is relative to the data root. */
export const generatedImageSchema = z.strictObject({
  index: z.int().min(0),
  filePath: z.string().min(1).check(storable()),
  width: z.int().min(1),
  height: z.int().min(1),
  seed: z.int().min(0),
  sizeBytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type GeneratedImage = z.infer<typeof generatedImageSchema>;

/** How far a running generation is (internal API, for the live view): 0..1 over the whole batch. */
export const generationProgressReportSchema = z.strictObject({ workerId: z.string().min(1).check(storable()), progress: z.number().min(0).max(1) });
export type GenerationProgressReport = z.infer<typeof generationProgressReportSchema>;
