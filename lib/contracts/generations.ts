import { z } from 'zod';
import { pictureLikenessSchema } from './likeness';
import { storable } from './text';

export const BASE_MODEL_IDS = ['flux1-dev', 'sdxl'] as const;
export type BaseModelId = (typeof BASE_MODEL_IDS)[number];

/** ComfyUI's samplers and schedulers at the pinned commit (comfyui.md §5). */
export const SAMPLERS = [
  'euler', 'euler_cfg_pp', 'euler_ancestral', 'euler_ancestral_cfg_pp', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral',
  'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_2s_ancestral_cfg_pp', 'dpmpp_sde', 'dpmpp_sde_gpu',
  'dpmpp_2m', 'dpmpp_2m_cfg_pp', 'dpmpp_2m_sde', 'dpmpp_2m_sde_gpu', 'dpmpp_2m_sde_heun', 'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde', 'dpmpp_3m_sde_gpu', 'ddpm', 'lcm', 'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'res_multistep_cfg_pp',
  'res_multistep_ancestral', 'res_multistep_ancestral_cfg_pp', 'gradient_estimation', 'gradient_estimation_cfg_pp',
  'er_sde', 'seeds_2', 'seeds_3', 'sa_solver', 'sa_solver_pece', 'ddim', 'uni_pc', 'uni_pc_bh2',
] as const;
export const SCHEDULERS = ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal'] as const;

/** Aspect presets: sizes near one megapixel, multiples of 64 (both base models are trained around 1024²). */
export const ASPECTS = {
  square: { label: 'Square 1:1', width: 1024, height: 1024 },
  portrait: { label: 'Portrait 3:4', width: 896, height: 1152 },
  landscape: { label: 'Landscape 4:3', width: 1152, height: 896 },
  tall: { label: 'Tall 2:3', width: 832, height: 1216 },
  wide: { label: 'Wide 3:2', width: 1216, height: 832 },
  story: { label: 'Story 9:16', width: 768, height: 1344 },
  cinema: { label: 'Cinema 16:9', width: 1344, height: 768 },
} as const;
export type AspectId = keyof typeof ASPECTS;
export const ASPECT_IDS = Object.keys(ASPECTS) as [AspectId, ...AspectId[]];

/** Per base model: the defaults and the size multiple its latent space needs. */
export const BASE_MODELS: Record<BaseModelId, { label: string; steps: number; guidance: number; sampler: (typeof SAMPLERS)[number]; scheduler: (typeof SCHEDULERS)[number]; sizeMultiple: number; usesNegative: boolean }> = {
  'flux1-dev': { label: 'FLUX.1-dev', steps: 28, guidance: 3.5, sampler: 'euler', scheduler: 'simple', sizeMultiple: 16, usesNegative: false },
  sdxl: { label: 'SDXL', steps: 30, guidance: 7, sampler: 'dpmpp_2m', scheduler: 'karras', sizeMultiple: 8, usesNegative: true },
};

export const MAX_SEED = Number.MAX_SAFE_INTEGER;
export const SIZE_RANGE = { min: 256, max: 2048 } as const;

const size = (name: string) =>
  z
    .int(`${name} must be a whole number of pixels`)
    .min(SIZE_RANGE.min, `${name} must be at least ${SIZE_RANGE.min}`)
    .max(SIZE_RANGE.max, `${name} can be at most ${SIZE_RANGE.max}`);

/** A checkpoint of a training run, used like a LoRA without registering it: its step, or the run's final file. */
export const checkpointChoice = z.strictObject({
  runId: z.uuid({ error: 'checkpoint.runId must be a training run id' }),
  step: z.union([z.int().min(0).max(999_999_999), z.literal('final')], { error: 'checkpoint.step must be a step number or "final"' }),
});
export type CheckpointChoice = z.infer<typeof checkpointChoice>;

export const generationInput = z
  .strictObject({
    prompt: z.string({ error: 'Prompt must be text' }).trim().min(1, 'Write a prompt').max(2000, 'The prompt can be at most 2000 characters').check(storable()),
    negativePrompt: z.string({ error: 'Negative prompt must be text' }).max(2000, 'The negative prompt can be at most 2000 characters').check(storable()).optional(),
    loraId: z.uuid({ error: 'loraId must be a LoRA id' }).optional(),
    checkpoint: checkpointChoice.optional(),
    /** The character the generation is meant for: a LoRA or checkpoint of another character is refused. */
    characterId: z.uuid({ error: 'characterId must be a character id' }).optional(),
    loraStrength: z.number({ error: 'LoRA strength must be a number' }).min(0, 'LoRA strength must be at least 0').max(2, 'LoRA strength can be at most 2').optional(),
    baseModel: z.enum(BASE_MODEL_IDS, { error: 'Base model must be flux1-dev or sdxl' }).optional(),
    aspect: z.enum(ASPECT_IDS, { error: `Aspect must be one of: ${ASPECT_IDS.join(', ')}` }).optional(),
    width: size('Width').optional(),
    height: size('Height').optional(),
    steps: z.int('Steps must be a whole number').min(1, 'Steps must be at least 1').max(150, 'Steps can be at most 150').optional(),
    guidance: z.number({ error: 'Guidance must be a number' }).min(0, 'Guidance must be at least 0').max(30, 'Guidance can be at most 30').optional(),
    sampler: z.enum(SAMPLERS, { error: 'Unknown sampler' }).optional(),
    scheduler: z.enum(SCHEDULERS, { error: `Scheduler must be one of: ${SCHEDULERS.join(', ')}` }).optional(),
    seed: z.int('Seed must be a whole number').min(0, 'Seed cannot be negative').max(MAX_SEED, `Seed can be at most ${MAX_SEED}`).optional(),
    batch: z.int('Batch must be a whole number').min(1, 'Batch must be at least 1').max(8, 'Batch can be at most 8').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.loraId && v.checkpoint) {
      ctx.addIssue({ code: 'custom', path: ['checkpoint'], message: 'Choose a LoRA or a training checkpoint, not both' });
    }
    if ((v.width === undefined) !== (v.height === undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.width === undefined ? 'width' : 'height'], message: 'Give both width and height, or neither' });
    }
    if (v.aspect && v.width !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['aspect'], message: 'Choose an aspect preset or a custom width and height, not both' });
    }
    const multiple = BASE_MODELS[v.baseModel ?? 'flux1-dev'].sizeMultiple;
    for (const key of ['width', 'height'] as const) {
      const value = v[key];
      if (value !== undefined && value % multiple !== 0) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key === 'width' ? 'Width' : 'Height'} must be a multiple of ${multiple} for ${BASE_MODELS[v.baseModel ?? 'flux1-dev'].label} (got ${value})` });
      }
    }
    if (v.negativePrompt && !BASE_MODELS[v.baseModel ?? 'flux1-dev'].usesNegative) {
      ctx.addIssue({ code: 'custom', path: ['negativePrompt'], message: 'FLUX.1-dev does not use a negative prompt; leave it empty or choose SDXL' });
    }
  });
export type GenerationInput = z.input<typeof generationInput>;

/** Every parameter of a generation, resolved: what the graph is built from and what is stored with the images. */
export const generationParamsSchema = z.object({
  /** The prompt as sent to the model (with the LoRA's trigger word added when it was missing). */
  prompt: z.string(),
  /** The prompt as the person wrote it. */
  userPrompt: z.string(),
  negativePrompt: z.string(),
  baseModel: z.enum(BASE_MODEL_IDS),
  /**
   * The LoRA applied: a registered one (`id`), or a training run's checkpoint (`checkpoint`, `id` null), whose
   * `fileName` is then the checkpoint's path under the data root.
   */
  lora: z
    .object({
      id: z.uuid().nullable(),
      fileName: z.string(),
      name: z.string(),
      strength: z.number(),
      triggerWord: z.string(),
      checkpoint: z.object({ runId: z.uuid(), step: z.number(), final: z.boolean() }).optional(),
    })
    .nullable(),
  width: z.number(),
  height: z.number(),
  steps: z.number(),
  guidance: z.number(),
  sampler: z.enum(SAMPLERS),
  scheduler: z.enum(SCHEDULERS),
  seed: z.number(),
  batch: z.number(),
});
export type GenerationParams = z.infer<typeof generationParamsSchema>;

/** Adds the trigger word when the prompt does not already contain it as a word. */
export function withTriggerWord(prompt: string, triggerWord: string): string {
  const escaped = triggerWord.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`, 'i').test(prompt) ? prompt : `${triggerWord}, ${prompt}`;
}

/** What a generation's LoRA comes from: a registered LoRA, or a checkpoint of a run (`id` null, `checkpoint` set). */
export interface LoraSource {
  id: string | null;
  fileName: string;
  name: string;
  triggerWord: string;
  baseModel: BaseModelId;
  checkpoint?: { runId: string; step: number; final: boolean };
}

export function resolveGenerationParams(
  input: z.output<typeof generationInput>,
  lora: LoraSource | null,
  randomSeed: () => number,
): GenerationParams {
  const baseModel = input.baseModel ?? lora?.baseModel ?? 'flux1-dev';
  const defaults = BASE_MODELS[baseModel];
  const sized = input.width !== undefined && input.height !== undefined ? { width: input.width, height: input.height } : ASPECTS[input.aspect ?? 'square'];
  return {
    prompt: lora ? withTriggerWord(input.prompt, lora.triggerWord) : input.prompt,
    userPrompt: input.prompt,
    negativePrompt: input.negativePrompt ?? '',
    baseModel,
    lora: lora
      ? {
          id: lora.id,
          fileName: lora.fileName,
          name: lora.name,
          strength: input.loraStrength ?? 1,
          triggerWord: lora.triggerWord,
          ...(lora.checkpoint ? { checkpoint: lora.checkpoint } : {}),
        }
      : null,
    width: sized.width,
    height: sized.height,
    steps: input.steps ?? defaults.steps,
    guidance: input.guidance ?? defaults.guidance,
    sampler: input.sampler ?? defaults.sampler,
    scheduler: input.scheduler ?? defaults.scheduler,
    seed: input.seed ?? randomSeed(),
    batch: input.batch ?? 1,
  };
}

export const GENERATION_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;

export const generationOutputSchema = z.object({
  id: z.uuid(),
  index: z.number(),
  url: z.string(),
  width: z.number(),
  height: z.number(),
  seed: z.number(),
  /** Its likeness to the generation's character (null until scored, or without a character). */
  likeness: pictureLikenessSchema.nullable(),
  /** Marked by the person as a favourite. */
  favourite: z.boolean(),
});
export type GenerationOutput = z.infer<typeof generationOutputSchema>;

export const generationSchema = z.object({
  id: z.uuid(),
  status: z.enum(GENERATION_STATUSES),
  /** 0..1 over the whole batch. */
  progress: z.number(),
  /** Why a queued generation has not started, in plain words ("waiting for the GPU: training of Ada"). */
  waitingFor: z.string().nullable(),
  parameters: generationParamsSchema,
  characterId: z.uuid().nullable(),
  loraId: z.uuid().nullable(),
  outputs: z.array(generationOutputSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  workflowId: z.string(),
  /** When the user asked to cancel; the generation shows "Cancelling…" until its workflow has ended it. */
  cancelRequestedAt: z.iso.datetime().nullable(),
  /** The correlation id of the request that started it: on every log line it causes. */
  correlationId: z.string().nullable(),
  sourceGenerationId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type Generation = z.infer<typeof generationSchema>;

export const generationPageSchema = z.object({
  items: z.array(generationSchema),
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});

export const GALLERY_SORTS = ['newest', 'likeness'] as const;
export type GallerySort = (typeof GALLERY_SORTS)[number];

export const galleryQuery = z.strictObject({
  characterId: z.uuid({ error: 'characterId must be a character id' }).optional(),
  loraId: z.uuid({ error: 'loraId must be a LoRA id' }).optional(),
  status: z.enum(GENERATION_STATUSES).optional(),
  /** Only generations with at least one picture recognisable as their character. */
  recognisable: z
    .enum(['true', 'false'], { error: 'recognisable must be true or false' })
    .transform((value) => value === 'true')
    .optional(),
  /** Only favourite pictures (and the generations that have one). */
  favourite: z
    .enum(['true', 'false'], { error: 'favourite must be true or false' })
    .transform((value) => value === 'true')
    .optional(),
  /** Made at or after this moment (ISO 8601). */
  from: z.iso.datetime({ offset: true, error: 'from must be a date and time (ISO 8601)' }).optional(),
  /** Made before this moment (ISO 8601). */
  to: z.iso.datetime({ offset: true, error: 'to must be a date and time (ISO 8601)' }).optional(),
  /** `newest` first (the default), or by `likeness`: each generation by its most alike picture, unscored ones last. */
  sort: z.enum(GALLERY_SORTS, { error: `sort must be one of: ${GALLERY_SORTS.join(', ')}` }).default('newest'),
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1, 'limit must be at least 1').max(100, 'limit can be at most 100').default(24),
  cursor: z.string().max(200).check(storable()).optional(),
});

/** The most pictures one bulk action (download, delete) takes. */
export const MAX_BULK_OUTPUTS = 100;

const outputIds = z
  .array(z.uuid({ error: 'Each id must be a picture id' }), { error: 'ids must be a list of picture ids' })
  .min(1, 'Choose at least one picture')
  .max(MAX_BULK_OUTPUTS, `At most ${MAX_BULK_OUTPUTS} pictures at once`)
  .transform((ids) => [...new Set(ids)]);

/** Pictures to delete at once. */
export const outputsDeleteInput = z.strictObject({ ids: outputIds });

/** Pictures to download as one zip: `ids` comma-separated in the query (a link the browser can follow). */
export const outputsArchiveQuery = z.strictObject({
  ids: z
    .string({ error: 'ids must be picture ids separated by commas' })
    .max(MAX_BULK_OUTPUTS * 40, `At most ${MAX_BULK_OUTPUTS} pictures at once`)
    .transform((ids) => ids.split(',').filter(Boolean))
    .pipe(outputIds),
});

/** A picture's own changes: marking it a favourite or not. */
export const outputPatch = z.strictObject({
  favourite: z.boolean({ error: 'favourite must be true or false' }),
});

/**
 * One picture again: `exact` makes the same picture (its own recorded seed, every parameter and the same LoRA file);
 * `vary` keeps everything but the seed, which is new and random (what InvokeAI and SwarmUI call a variation).
 */
export const outputRerunInput = z.strictObject({
  mode: z.enum(['exact', 'vary'], { error: 'mode must be exact or vary' }),
});
export type OutputRerunMode = z.infer<typeof outputRerunInput>['mode'];

/**
 * Re-run with the same parameters, or vary the seed (a new random one, or the given one). With `outputId`, only that
 * picture: one image from the seed recorded with it, which makes that same picture again.
 */
export const rerunInput = z.strictObject({
  varySeed: z.boolean({ error: 'varySeed must be true or false' }).default(false),
  seed: z.int().min(0).max(MAX_SEED).optional(),
  outputId: z.uuid({ error: 'outputId must be the id of one of this generation’s pictures' }).optional(),
});

export function generationWorkflowId(id: string): string {
  return `generation-${id}`;
}
