import { z } from 'zod';
import { checkpointLikenessSchema, pictureLikenessSchema, runLikenessSchema } from './likeness';
import { storable } from './text';

export const PRESET_IDS = ['quick', 'balanced', 'high'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

export const RESOLUTIONS = [512, 768, 1024] as const;
export const OPTIMIZERS = ['adamw8bit', 'adamw', 'prodigy', 'adafactor'] as const;

/** Every knob a user may turn, with its bounds. A preset is a full set of these. */
export const trainingSettingsSchema = z.object({
  steps: z.int('Steps must be a whole number').min(100, 'Steps must be at least 100').max(10_000, 'Steps can be at most 10000'),
  rank: z
    .int('Rank must be a whole number')
    .refine((r) => [4, 8, 16, 32, 64, 128].includes(r), 'Rank must be one of 4, 8, 16, 32, 64, 128'),
  learningRate: z
    .number({ error: 'Learning rate must be a number' })
    .min(1e-6, 'Learning rate must be at least 0.000001')
    .max(1e-2, 'Learning rate can be at most 0.01'),
  resolutions: z
    .array(z.union(RESOLUTIONS.map((r) => z.literal(r)), { error: 'Resolutions can only be 512, 768 and 1024' }))
    .min(1, 'Choose at least one resolution')
    .refine((list) => new Set(list).size === list.length, 'Each resolution can be listed once'),
  saveEvery: z.int('Save every must be a whole number of steps').min(50, 'Save at most every 50 steps').max(5_000),
  sampleEvery: z.int('Sample every must be a whole number of steps').min(50, 'Sample at most every 50 steps').max(5_000),
  samplePrompts: z
    .array(
      z
        .string({ error: 'A sample prompt must be text' })
        .trim()
        .min(1, 'A sample prompt cannot be empty')
        .max(500, 'A sample prompt can be at most 500 characters')
        .check(storable())
        // The trainer reads what follows "--" in a sample prompt as an option ("--w 512") and cuts it off the prompt.
        .refine((p) => !p.includes('--'), 'A sample prompt cannot contain “--” (the trainer reads it as an option, like --w 512): write a single dash or “—”'),
    )
    .max(6, 'At most 6 sample prompts'),
  optimizer: z.enum(OPTIMIZERS, { error: `Optimizer must be one of: ${OPTIMIZERS.join(', ')}` }),
  /** Quantize the model to 8 bits so it fits a 24 GB GPU. */
  quantize: z.boolean({ error: 'quantize must be true or false' }),
  /** Slower training that fits smaller GPUs (quantizes on the CPU, offloads). */
  lowVram: z.boolean({ error: 'lowVram must be true or false' }),
});
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/** Prodigy finds its own learning rate: ai-toolkit runs it at 1.0 whatever is set (`toolkit/optimizer.py`). */
export function takesLearningRate(optimizer: TrainingSettings['optimizer']): boolean {
  return optimizer !== 'prodigy';
}

/** Advanced settings override a preset field by field; anything left out keeps the preset's value. */
export const advancedSettingsSchema = trainingSettingsSchema
  .partial()
  .strict()
  .refine((a) => a.learningRate === undefined || a.optimizer === undefined || takesLearningRate(a.optimizer), {
    message: 'Learning rate cannot be set with the prodigy optimizer: prodigy finds its own learning rate. Leave it out.',
    path: ['learningRate'],
  });
export type AdvancedSettings = z.infer<typeof advancedSettingsSchema>;

/**
 * The fixed evaluation prompts: every run samples them by default, and its likeness report ("N of M pictures
 * recognisable", the recommended checkpoint) is measured on them. Varied on purpose (framing, place, light,
 * expression, style), so a checkpoint that only reproduces the training photos' look scores no better than one that
 * has learnt the person.
 */
export const EVALUATION_PROMPTS = [
  '[trigger], close-up portrait photo, soft natural light, plain background',
  '[trigger] laughing, candid photo on a busy city street, daytime',
  '[trigger], half-body photo in a cosy café, warm evening light',
  '[trigger] with a serious expression, black and white film photo, dramatic side lighting',
  '[trigger] hiking in the mountains at golden hour, three-quarter view',
];

export interface Preset {
  id: PresetId;
  label: string;
  description: string;
  settings: TrainingSettings;
}

/**
 * The three presets a user picks from; tuned for a 24 GB GPU and 10–30 photos. Each samples at every checkpoint it
 * saves (`sampleEvery` = `saveEvery`), so every checkpoint has pictures to judge its likeness by.
 */
export const PRESETS: Record<PresetId, Preset> = {
  quick: {
    id: 'quick',
    label: 'Quick',
    description: 'A first LoRA in about half an hour. Good to check the photos work.',
    settings: {
      steps: 1000,
      rank: 16,
      learningRate: 4e-4,
      resolutions: [512],
      saveEvery: 250,
      sampleEvery: 250,
      samplePrompts: EVALUATION_PROMPTS,
      optimizer: 'adamw8bit',
      quantize: true,
      lowVram: false,
    },
  },
  balanced: {
    id: 'balanced',
    label: 'Balanced',
    description: 'The usual choice: a faithful likeness in about an hour and a half.',
    settings: {
      steps: 2000,
      rank: 16,
      learningRate: 1e-4,
      resolutions: [512, 768, 1024],
      saveEvery: 250,
      sampleEvery: 250,
      samplePrompts: EVALUATION_PROMPTS,
      optimizer: 'adamw8bit',
      quantize: true,
      lowVram: false,
    },
  },
  high: {
    id: 'high',
    label: 'High quality',
    description: 'More steps and capacity for the finest detail; takes about three hours.',
    settings: {
      steps: 3000,
      rank: 32,
      learningRate: 1e-4,
      resolutions: [512, 768, 1024],
      saveEvery: 250,
      sampleEvery: 250,
      samplePrompts: EVALUATION_PROMPTS,
      optimizer: 'adamw8bit',
      quantize: true,
      lowVram: false,
    },
  },
};

/** A preset with the user's advanced settings applied, checked as a whole. */
export function resolveSettings(preset: PresetId, advanced: AdvancedSettings = {}): TrainingSettings {
  return trainingSettingsSchema.parse({ ...PRESETS[preset].settings, ...advanced });
}

export const startTrainingInput = z.strictObject({
  preset: z.enum(PRESET_IDS, { error: `preset must be one of: ${PRESET_IDS.join(', ')}` }),
  advanced: advancedSettingsSchema.optional(),
  /** Train even though the character has fewer good photos than recommended (the API asks for this with a 409). */
  confirmFewPhotos: z.boolean({ error: 'confirmFewPhotos must be true or false' }).optional(),
});
export type StartTrainingInput = z.input<typeof startTrainingInput>;

/** Why each setting a continuation keeps cannot be changed, in a person's words (the run page's dialog shows them). */
export const CONTINUE_FIXED_REASONS: Record<'rank' | 'optimizer' | 'resolutions' | 'quantize' | 'samplePrompts', string> = {
  rank: 'The LoRA’s size: a different rank would resize the trained weights and lose the optimizer’s state.',
  optimizer: 'The optimizer’s saved state only loads into the same optimizer.',
  resolutions: 'The continuation trains on the same image sizes, so its steps follow on from the run’s.',
  quantize: 'The continuation trains against the same model, loaded the same way.',
  samplePrompts: 'The same prompts, so the likeness curve goes on where the run’s left off.',
};

/** The fewest and most steps a continued run can have in all (its starting step plus the steps added): as any run. */
export const MIN_TOTAL_STEPS = 100;
export const MAX_TOTAL_STEPS = 10_000;

/**
 * Continuing a run (`POST /api/trainings/:id/continue`): a new run, the character's next LoRA version, that the engine
 * resumes from the source run's last checkpoint (ai-toolkit reads the step from the checkpoint's metadata and loads
 * its optimizer state). What may change on the way is what the engine itself takes afresh on a resume
 * (`jobs/process/BaseSDTrainProcess.py` at the pin):
 * - the learning rate: the optimizer state is loaded, then every group's rate is reset to the config's value, and the
 *   (constant) schedule is stepped to the resumed step;
 * - how often it saves and samples: read from the config at every save and sample.
 * Everything else stays as the source trained: a different rank (and with it alpha) resizes the saved weights and
 * drops the optimizer state; a different optimizer cannot load the saved state (it would start cold); image
 * sizes, quantization and the sample prompts would make the continuation's steps, loss and likeness curve no longer
 * follow on from the source's (`CONTINUE_FIXED_REASONS` says why, in a person's words).
 */
export const continueTrainingInput = z.strictObject({
  additionalSteps: z
    .int('Steps to add must be a whole number')
    .min(50, 'Add at least 50 steps')
    .max(MAX_TOTAL_STEPS, `Steps to add can be at most ${MAX_TOTAL_STEPS}`),
  settings: trainingSettingsSchema.pick({ learningRate: true, saveEvery: true, sampleEvery: true }).partial().strict().optional(),
});
export type ContinueTrainingInput = z.input<typeof continueTrainingInput>;

/**
 * The settings a continuation trains with: the source's, with the steps counted from the start step and the editable
 * ones changed. Throws with a message a person can act on when they do not work together.
 */
export function continuedSettings(source: TrainingSettings, startStep: number, input: z.output<typeof continueTrainingInput>): TrainingSettings {
  const steps = startStep + input.additionalSteps;
  if (steps < MIN_TOTAL_STEPS) {
    throw new Error(`A run trains at least ${MIN_TOTAL_STEPS} steps in all: from step ${startStep}, add at least ${MIN_TOTAL_STEPS - startStep}`);
  }
  if (steps > MAX_TOTAL_STEPS) {
    throw new Error(
      `The run would reach step ${steps} (step ${startStep} + ${input.additionalSteps}); a run can have at most ${MAX_TOTAL_STEPS} steps: add at most ${MAX_TOTAL_STEPS - startStep}`,
    );
  }
  if (input.settings?.learningRate !== undefined && !takesLearningRate(source.optimizer)) {
    throw new Error('Learning rate cannot be set with the prodigy optimizer: prodigy finds its own learning rate. Leave it out.');
  }
  return trainingSettingsSchema.parse({ ...source, ...input.settings, steps });
}

/** The run a continuation started from, and the step of the checkpoint it resumed. */
export const continuedFromSchema = z.object({ runId: z.uuid(), step: z.number() });
export type ContinuedFrom = z.infer<typeof continuedFromSchema>;

export const TRAINING_STATUSES = ['queued', 'running', 'completed', 'failed', 'stopped'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

/**
 * Where a run is. `waiting_for_gpu` while the GPU is busy with other work; `loading` while the engine loads the
 * model and data; `sampling`/`saving` are pauses inside training.
 */
export const TRAINING_PHASES = [
  'queued',
  'preparing',
  'waiting_for_gpu',
  'loading',
  'training',
  'sampling',
  'saving',
  'stopping',
  'registering',
  'done',
] as const;
export type TrainingPhase = (typeof TRAINING_PHASES)[number];

export const trainingSampleSchema = z.object({
  id: z.uuid(),
  step: z.number(),
  promptIndex: z.number(),
  prompt: z.string().nullable(),
  url: z.string(),
  /** Its likeness to the character (null until scored). */
  likeness: pictureLikenessSchema.nullable(),
});

export const trainingEventSchema = z.object({
  at: z.iso.datetime(),
  kind: z.string(),
  message: z.string(),
});
export type TrainingEvent = z.infer<typeof trainingEventSchema>;

export const trainingRunSchema = z.object({
  id: z.uuid(),
  characterId: z.uuid(),
  preset: z.enum(PRESET_IDS),
  settings: trainingSettingsSchema,
  status: z.enum(TRAINING_STATUSES),
  phase: z.enum(TRAINING_PHASES),
  step: z.number(),
  totalSteps: z.number(),
  itPerSec: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  lastCheckpointStep: z.number().nullable(),
  /** [step, loss] pairs, downsampled to at most a few hundred points. */
  loss: z.array(z.tuple([z.number(), z.number()])),
  samples: z.array(trainingSampleSchema),
  events: z.array(trainingEventSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  loraId: z.uuid().nullable(),
  gpuWorker: z.string().nullable(),
  workflowId: z.string(),
  /** When the user asked to stop; the run shows "Stopping" (its step no longer counting) until its workflow ends it. */
  stopRequestedAt: z.iso.datetime().nullable(),
  /** The training engine and how it trains, `ai-toolkit@1+27a03a9` (plugins/versions.ts). */
  engineVersion: z.string().nullable(),
  /** The correlation id of the request that started the run: on every log line it causes. */
  correlationId: z.string().nullable(),
  /** Continued from another run's last checkpoint (`POST /api/trainings/:id/continue`): its progress counts from that step. */
  continuedFrom: continuedFromSchema.nullable().optional(),
  /** Its samples' likeness per step and, once it ended, the checkpoint recommended (null until a sample is scored). */
  likeness: runLikenessSchema.nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type TrainingRun = z.infer<typeof trainingRunSchema>;

export const trainingRunListSchema = z.object({ items: z.array(trainingRunSchema) });

/** A checkpoint of a run (`GET /api/trainings/:id/checkpoints`). */
export const checkpointSchema = z.object({
  step: z.number(),
  /** The engine's final file (the run completed). */
  final: z.boolean(),
  /** Saved on request (save now, or before a stop): kept for the life of the run, whatever the engine prunes. */
  kept: z.boolean(),
  /** Where to download it. */
  url: z.string(),
  /** The LoRA made of it, if it was turned into one (`POST …/checkpoints/:step/lora`). */
  loraId: z.uuid().nullable(),
  /** The likeness of the samples made at its step (null when none were, or none is scored yet). */
  likeness: checkpointLikenessSchema.nullable(),
  /** The checkpoint the run recommended when it ended (registered as its LoRA by default). */
  recommended: z.boolean(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;
export const checkpointListSchema = z.object({ items: z.array(checkpointSchema) });

export function trainingWorkflowId(runId: string): string {
  return `training-${runId}`;
}

/** The engine's job name for a run: its checkpoint file prefix, the same for every engine start. */
export function engineJobName(runId: string): string {
  return `isengard_${runId.replaceAll('-', '').slice(0, 12)}`;
}

/** A run as the Training page lists it (`GET /api/trainings`): no series, samples or timeline. */
export const trainingRunSummarySchema = z.object({
  id: z.uuid(),
  characterId: z.uuid(),
  characterName: z.string(),
  preset: z.enum(PRESET_IDS),
  status: z.enum(TRAINING_STATUSES),
  phase: z.enum(TRAINING_PHASES),
  step: z.number(),
  totalSteps: z.number(),
  stopRequestedAt: z.iso.datetime().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  /** From its start to its end (or to now while it runs); null until it started. */
  durationSeconds: z.number().nullable(),
  /** The LoRA it made (the checkpoint it recommended, or its most trained one), if any is left. */
  lora: z
    .object({
      id: z.uuid(),
      name: z.string(),
      version: z.number(),
      steps: z.number(),
      /** The run's recommended checkpoint by likeness. */
      recommended: z.boolean(),
    })
    .nullable(),
});
export type TrainingRunSummary = z.infer<typeof trainingRunSummarySchema>;

export const trainingRunPageSchema = z.object({
  items: z.array(trainingRunSummarySchema),
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type TrainingRunPage = z.infer<typeof trainingRunPageSchema>;

export const trainingRunListQuery = z.strictObject(
  {
    status: z.enum(TRAINING_STATUSES, { error: `status must be one of: ${TRAINING_STATUSES.join(', ')}` }).optional(),
    characterId: z.uuid({ error: 'characterId must be a character id' }).optional(),
    preset: z.enum(PRESET_IDS, { error: `preset must be one of: ${PRESET_IDS.join(', ')}` }).optional(),
    limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1, 'limit must be at least 1').max(100, 'limit can be at most 100').default(25),
    cursor: z.string().max(200, 'cursor is not one this API handed out').optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `Unknown parameter: ${issue.keys.join(', ')}` : undefined) },
);
export type TrainingRunListQuery = z.output<typeof trainingRunListQuery>;
