import {
  ASPECT_IDS,
  ASPECTS,
  BASE_MODEL_IDS,
  BASE_MODELS,
  generationInput,
  MAX_SEED,
  SAMPLERS,
  SCHEDULERS,
  SIZE_RANGE,
  type AspectId,
  type BaseModelId,
  type GenerationInput,
  type GenerationParams,
} from '../../../../../lib/contracts/generations';
import type { ParamDefinition, ParamValue } from '../../../components/ui/param-field';

/**
 * A training run's checkpoint as the model, not a registered LoRA (a picture made with one, taken back to the form
 * with "use these settings"). It decides the base model and the trigger word, as a LoRA does.
 */
export interface CheckpointSetting {
  runId: string;
  step: number;
  /** The run's final file (asked for as `step: "final"`). */
  final: boolean;
  triggerWord: string;
  baseModel: BaseModelId;
}

/** The settings of the Generate form, kept between visits. Advanced values left unset use the model's defaults. */
export interface GenerateSettings {
  prompt: string;
  /** null: none chosen (see `baseModelOnly`, `checkpoint`). */
  loraId: string | null;
  /** A run's checkpoint instead of a LoRA (only with `loraId` null). */
  checkpoint: CheckpointSetting | null;
  /** The person chose the base model alone; otherwise, without a LoRA, the form picks the newest one (`defaultLora`). */
  baseModelOnly: boolean;
  /** The character of the last LoRA used: its newest LoRA is the default when that one is gone. */
  characterId: string | null;
  loraStrength: number;
  aspect: AspectId;
  batch: number;
  /** Only used without a LoRA (a LoRA decides its base model). */
  baseModel: BaseModelId;
  steps: number | null;
  guidance: number | null;
  sampler: string | null;
  scheduler: string | null;
  /** null: a new random seed each time. */
  seed: number | null;
  /** Used instead of the aspect when set. */
  customSize: { width: number; height: number } | null;
  negativePrompt: string;
}

export const DEFAULT_SETTINGS: GenerateSettings = {
  prompt: '',
  loraId: null,
  checkpoint: null,
  baseModelOnly: false,
  characterId: null,
  loraStrength: 1,
  aspect: 'portrait',
  batch: 1,
  baseModel: 'flux1-dev',
  steps: null,
  guidance: null,
  sampler: null,
  scheduler: null,
  seed: null,
  customSize: null,
  negativePrompt: '',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseCheckpoint(raw: unknown): CheckpointSetting | null {
  if (!raw || typeof raw !== 'object') return null;
  const c = raw as Partial<Record<keyof CheckpointSetting, unknown>>;
  if (typeof c.runId !== 'string' || !UUID.test(c.runId) || typeof c.step !== 'number' || !Number.isInteger(c.step) || c.step < 0) return null;
  if (typeof c.triggerWord !== 'string' || !BASE_MODEL_IDS.includes(c.baseModel as BaseModelId)) return null;
  return { runId: c.runId, step: c.step, final: c.final === true, triggerWord: c.triggerWord, baseModel: c.baseModel as BaseModelId };
}

/** A checkpoint as the form names it: "Run 1a2b3c4d · step 150". */
export function checkpointLabel(c: Pick<CheckpointSetting, 'runId' | 'step' | 'final'>): string {
  return `Run ${c.runId.slice(0, 8)} · step ${c.step}${c.final ? ' (final)' : ''}`;
}

/** Reads settings stored by an earlier visit, keeping only what still makes sense. */
export function parseSettings(raw: unknown): GenerateSettings | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Partial<Record<keyof GenerateSettings, unknown>>;
  const num = (v: unknown, min: number, max: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : null);
  const size = r.customSize as { width?: unknown; height?: unknown } | null | undefined;
  return {
    prompt: typeof r.prompt === 'string' ? r.prompt.slice(0, 2000) : '',
    loraId: typeof r.loraId === 'string' ? r.loraId : null,
    checkpoint: typeof r.loraId === 'string' ? null : parseCheckpoint(r.checkpoint),
    baseModelOnly: r.baseModelOnly === true,
    characterId: typeof r.characterId === 'string' ? r.characterId : null,
    loraStrength: num(r.loraStrength, 0, 2) ?? 1,
    aspect: ASPECT_IDS.includes(r.aspect as AspectId) ? (r.aspect as AspectId) : DEFAULT_SETTINGS.aspect,
    batch: num(r.batch, 1, 8) ?? 1,
    baseModel: BASE_MODEL_IDS.includes(r.baseModel as BaseModelId) ? (r.baseModel as BaseModelId) : 'flux1-dev',
    steps: num(r.steps, 1, 150),
    guidance: num(r.guidance, 0, 30),
    sampler: (SAMPLERS as readonly unknown[]).includes(r.sampler) ? (r.sampler as string) : null,
    scheduler: (SCHEDULERS as readonly unknown[]).includes(r.scheduler) ? (r.scheduler as string) : null,
    seed: num(r.seed, 0, MAX_SEED),
    customSize:
      size && typeof size === 'object' && num(size.width, SIZE_RANGE.min, SIZE_RANGE.max) && num(size.height, SIZE_RANGE.min, SIZE_RANGE.max)
        ? { width: size.width as number, height: size.height as number }
        : null,
    negativePrompt: typeof r.negativePrompt === 'string' ? r.negativePrompt.slice(0, 2000) : '',
  };
}

export type AdvancedKey = 'steps' | 'guidance' | 'sampler' | 'scheduler';

/** The advanced parameters drawn from the table; seed, size, base model and negative prompt have their own controls. */
export const GENERATION_PARAMS: readonly (ParamDefinition & { key: AdvancedKey })[] = [
  {
    key: 'steps',
    label: 'Steps',
    hint: 'How many times the picture is refined. More steps add detail but take longer; past about 30 little changes.',
    control: { kind: 'number', min: 1, max: 150, step: 1, integer: true, slider: { min: 4, max: 60, step: 1 } },
    format: (v) => `${String(v)} steps`,
  },
  {
    key: 'guidance',
    label: 'Guidance',
    hint: 'How strictly the picture follows the prompt. Higher follows it more literally but can look harsh; lower is looser and more natural.',
    control: { kind: 'number', min: 0, max: 30, step: 0.1, slider: { min: 0, max: 15, step: 0.5 } },
    format: (v) => `guidance ${String(v)}`,
  },
  {
    key: 'sampler',
    label: 'Sampler',
    hint: 'The method that turns noise into the picture. The model’s default is a safe choice; others change the look slightly and can need other step counts.',
    control: { kind: 'select', options: SAMPLERS.map((s) => ({ value: s, label: s })) },
    format: (v) => String(v),
  },
  {
    key: 'scheduler',
    label: 'Scheduler',
    hint: 'How the refinement is spread over the steps. Leave it at the model’s default unless you are comparing looks.',
    control: { kind: 'select', options: SCHEDULERS.map((s) => ({ value: s, label: s })) },
    format: (v) => String(v),
  },
];

export const HINTS = {
  seed: 'The number the random noise starts from. The same seed and settings give the same picture again; leave it random to get a new one each time.',
  customSize: 'Choose the width and height yourself instead of an aspect. Sizes near one megapixel look best; each side must be a multiple of the model’s step.',
  baseModel: 'The image model the LoRA is added to. A LoRA only works with the model it was trained for, so picking a LoRA picks its model.',
  negativePrompt: 'What the picture should not show (SDXL only; FLUX.1-dev ignores negative prompts).',
  loraStrength: 'How strongly the trained person shows. 1 is as trained; lower mixes in more of the base model, above 1.2 often distorts.',
  batch: 'How many pictures to make at once, each with the next seed. More pictures take proportionally longer.',
} as const;

/** The model's default for an advanced key. */
export function modelDefault(baseModel: BaseModelId, key: AdvancedKey): ParamValue {
  return BASE_MODELS[baseModel][key];
}

/** The request the settings make, and the problems the shared contract finds in it (by field). */
export function buildInput(
  settings: GenerateSettings,
  lora: { id: string; baseModel: BaseModelId } | null,
): { input: GenerationInput; errors: Partial<Record<string, string>> } {
  const checkpoint = lora ? null : settings.checkpoint;
  const baseModel = lora?.baseModel ?? checkpoint?.baseModel ?? settings.baseModel;
  const usesNegative = BASE_MODELS[baseModel].usesNegative;
  const model = lora
    ? { loraId: lora.id, loraStrength: settings.loraStrength }
    : checkpoint
      ? { checkpoint: { runId: checkpoint.runId, step: checkpoint.final ? ('final' as const) : checkpoint.step }, loraStrength: settings.loraStrength }
      : baseModel !== 'flux1-dev'
        ? { baseModel }
        : {};
  const input: GenerationInput = {
    prompt: settings.prompt,
    batch: settings.batch,
    ...model,
    ...(settings.customSize ? { width: settings.customSize.width, height: settings.customSize.height } : { aspect: settings.aspect }),
    ...(settings.steps !== null ? { steps: settings.steps } : {}),
    ...(settings.guidance !== null ? { guidance: settings.guidance } : {}),
    ...(settings.sampler !== null ? { sampler: settings.sampler as GenerationInput['sampler'] } : {}),
    ...(settings.scheduler !== null ? { scheduler: settings.scheduler as GenerationInput['scheduler'] } : {}),
    ...(settings.seed !== null ? { seed: settings.seed } : {}),
    ...(usesNegative && settings.negativePrompt.trim() ? { negativePrompt: settings.negativePrompt } : {}),
  };
  const parsed = generationInput.safeParse(input);
  const errors: Partial<Record<string, string>> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'prompt');
      errors[key] ??= issue.message;
    }
  }
  return { input, errors };
}

/**
 * The model the form starts from when none is chosen: the newest LoRA of the character last used, else the newest
 * LoRA of all (its character trained last); none when the person chose the base model alone.
 */
export function defaultLora<L extends { createdAt: string }>(
  groups: ReadonlyArray<{ characterId: string; loras: L[] }>,
  settings: Pick<GenerateSettings, 'baseModelOnly' | 'characterId'>,
): L | undefined {
  if (settings.baseModelOnly) return undefined;
  const newest = (loras: L[]) => loras.reduce<L | undefined>((best, l) => (!best || l.createdAt > best.createdAt ? l : best), undefined);
  const own = groups.find((g) => g.characterId === settings.characterId);
  return (own && newest(own.loras)) ?? newest(groups.flatMap((g) => g.loras));
}

/**
 * The Generate form's settings that make this picture again ("use these settings"): its prompt, model (a LoRA, or
 * the training checkpoint it was made with) and strength, size, count and every advanced value (left at the model's
 * default where it was), and its own seed.
 */
export function settingsFromPicture(p: GenerationParams, seed: number, characterId: string | null): GenerateSettings {
  const defaults = BASE_MODELS[p.baseModel];
  const aspect = ASPECT_IDS.find((a) => ASPECTS[a].width === p.width && ASPECTS[a].height === p.height);
  const lora = p.lora;
  return {
    prompt: p.userPrompt,
    loraId: lora?.id ?? null,
    checkpoint: lora && lora.id === null && lora.checkpoint ? { ...lora.checkpoint, triggerWord: lora.triggerWord, baseModel: p.baseModel } : null,
    baseModelOnly: !p.lora,
    characterId,
    loraStrength: p.lora?.strength ?? 1,
    aspect: aspect ?? DEFAULT_SETTINGS.aspect,
    batch: p.batch,
    baseModel: p.baseModel,
    steps: p.steps === defaults.steps ? null : p.steps,
    guidance: p.guidance === defaults.guidance ? null : p.guidance,
    sampler: p.sampler === defaults.sampler ? null : p.sampler,
    scheduler: p.scheduler === defaults.scheduler ? null : p.scheduler,
    seed,
    customSize: aspect ? null : { width: p.width, height: p.height },
    negativePrompt: p.negativePrompt,
  };
}

export { ASPECTS };
