import { z } from 'zod';
import { notesSchema } from './characters';
import { nameSchema } from './text';
import { PRESET_IDS, TRAINING_STATUSES } from './training';

const unknownField = { error: (issue: { code: string; keys?: string[] }) => (issue.code === 'unrecognized_keys' ? `Unknown field: ${issue.keys?.join(', ')}` : undefined) };

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
  /** The user's own words about it. */
  notes: z.string(),
  favourite: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type Lora = z.infer<typeof loraSchema>;

export const loraListSchema = z.object({ items: z.array(loraSchema) });

/** A LoRA as the LoRAs page lists it: with its character, the run it came from and where it stands among its versions. */
export const loraEntrySchema = loraSchema.extend({
  characterName: z.string(),
  /** The run that made it (null for a LoRA of a run that is gone). */
  sourceRun: z
    .object({
      id: z.uuid(),
      status: z.enum(TRAINING_STATUSES),
      preset: z.enum(PRESET_IDS),
      totalSteps: z.number(),
    })
    .nullable(),
  /** Its run was stopped before its last step: the LoRA holds `atStep` of the `ofSteps` planned. */
  stoppedEarly: z.object({ atStep: z.number(), ofSteps: z.number() }).nullable(),
  /** The checkpoint its run recommended by likeness when it ended (registered as the run's LoRA by default). */
  recommended: z.boolean(),
  /** The most trained of its character's LoRAs (the most steps; the newest among equals). */
  mostTrained: z.boolean(),
});
export type LoraEntry = z.infer<typeof loraEntrySchema>;

export const loraEntryListSchema = z.object({ items: z.array(loraEntrySchema) });
export type LoraEntryList = z.infer<typeof loraEntryListSchema>;

export const loraListQuery = z.strictObject(
  {
    characterId: z.uuid({ error: 'characterId must be a character id' }).optional(),
    favourite: z
      .enum(['true', 'false'], { error: 'favourite must be true or false' })
      .transform((value) => value === 'true')
      .optional(),
  },
  unknownField,
);

export const loraNameSchema = nameSchema;

export const updateLoraInput = z
  .strictObject(
    {
      name: loraNameSchema.optional(),
      notes: notesSchema.optional(),
      favourite: z.boolean({ error: 'favourite must be true or false' }).optional(),
    },
    unknownField,
  )
  .refine((v) => Object.keys(v).length > 0, 'Send at least one of: name, notes, favourite');
export type UpdateLoraInput = z.input<typeof updateLoraInput>;

/** What deleting a LoRA would affect (`GET /api/loras/:id/impact`). */
export const loraImpactSchema = z.object({
  /** Generations made with it: they stay in the gallery, but cannot be re-run with it. */
  generations: z.number(),
  /** It is its character's current model: the newest one, which Generate offers first. */
  currentOfCharacter: z.boolean(),
  /** Generations queued or running with it: while there are any it cannot be deleted. */
  activeJobs: z.array(z.object({ id: z.uuid(), status: z.enum(['queued', 'running']) })),
});
export type LoraImpact = z.infer<typeof loraImpactSchema>;
