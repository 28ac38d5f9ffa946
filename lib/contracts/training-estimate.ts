import { z } from 'zod';
import { PRESET_IDS, RESOLUTIONS } from './training';

const wholeNumber = (what: string) => z.coerce.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`);

/**
 * `GET /api/trainings/estimate`: a preset and, optionally, the advanced settings that change a run's duration. Query
 * strings carry text: numbers are read from it, resolutions as `512,1024`, lowVram as `true`/`false`.
 */
export const trainingEstimateQuery = z.strictObject({
  preset: z.enum(PRESET_IDS, { error: `preset must be one of: ${PRESET_IDS.join(', ')}` }),
  steps: wholeNumber('steps').optional(),
  sampleEvery: wholeNumber('sampleEvery').optional(),
  saveEvery: wholeNumber('saveEvery').optional(),
  resolutions: z
    .string()
    .transform((text) => text.split(',').map((r) => Number(r.trim())))
    .pipe(z.array(z.union(RESOLUTIONS.map((r) => z.literal(r)), { error: `resolutions can only be ${RESOLUTIONS.join(', ')}` })))
    .optional(),
  lowVram: z
    .enum(['true', 'false'], { error: 'lowVram must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
});
export type TrainingEstimateQuery = z.input<typeof trainingEstimateQuery>;

/** How long a run would take on this instance's GPU. */
export const trainingEstimateSchema = z.object({
  /** The whole run: loading, training steps, samples and checkpoint saves. Null when nothing is known about the GPU. */
  seconds: z.number().nullable(),
  /** `measured`: the median speed of the last runs like it on this GPU model here; `table`: published figures. */
  basis: z.enum(['measured', 'table', 'unknown']),
  /** The GPU of this instance's GPU worker as torch names it; null when no GPU worker reports one. */
  gpuName: z.string().nullable(),
  secondsPerStep: z.number().nullable(),
  /** Sample images and checkpoint saves over the whole run. */
  samplingSeconds: z.number().nullable(),
  /** Loading the model before the first step. */
  startupSeconds: z.number().nullable(),
  /** How many finished runs the measured speed is the median of (0 unless `measured`). */
  measuredRuns: z.number(),
});
export type TrainingEstimate = z.infer<typeof trainingEstimateSchema>;
