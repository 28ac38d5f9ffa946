import { z } from 'zod';

/** One image a GPU worker wrote for a generation; the path is relative to the data root. */
export const generatedImageSchema = z.strictObject({
  index: z.int().min(0),
  filePath: z.string().min(1),
  width: z.int().min(1),
  height: z.int().min(1),
  seed: z.int().min(0),
  sizeBytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type GeneratedImage = z.infer<typeof generatedImageSchema>;

/** A GPU worker's engine has accepted the generation's prompt: from now on it runs there (internal API). */
export const generationRunningReportSchema = z.strictObject({ workerId: z.string().min(1) });
export type GenerationRunningReport = z.infer<typeof generationRunningReportSchema>;

/** How far a running generation is (internal API): 0..1 over the whole batch. */
export const generationProgressReportSchema = z.strictObject({ workerId: z.string().min(1), progress: z.number().min(0).max(1) });
export type GenerationProgressReport = z.infer<typeof generationProgressReportSchema>;

/**
 * What a GPU worker tells the control plane once a generation's images are written (internal API): they are
 * recorded at once, and the workflow's own record afterwards finds the generation complete.
 */
export const generationOutputsReportSchema = z.strictObject({
  workerId: z.string().min(1),
  images: z.array(generatedImageSchema).min(1).max(64),
});
export type GenerationOutputsReport = z.infer<typeof generationOutputsReportSchema>;

/** What the GPU activity answers the workflow: the images, and whether the control plane has recorded them. */
export interface GenerationOutcome {
  images: GeneratedImage[];
  recorded: boolean;
}
