import {
  OPTIMIZERS,
  RESOLUTIONS,
  takesLearningRate,
  trainingSettingsSchema,
  type AdvancedSettings,
  type TrainingSettings,
} from '../../../../../lib/contracts/training';
import type { ParamDefinition, ParamValue } from '../../../components/ui/param-field';

export type TrainingKey = keyof TrainingSettings;

const OPTIMIZER_LABELS: Record<(typeof OPTIMIZERS)[number], string> = {
  adamw8bit: 'AdamW 8-bit (recommended)',
  adamw: 'AdamW',
  prodigy: 'Prodigy (sets its own learning rate)',
  adafactor: 'Adafactor',
};

/**
 * Every training setting a person may change under Advanced: its label, bounds and hint. The bounds are the
 * shared contract's (`trainingSettingsSchema`); a test checks that the two agree.
 */
export const TRAINING_PARAMS: readonly (ParamDefinition & { key: TrainingKey })[] = [
  {
    key: 'steps',
    label: 'Steps',
    hint: 'How many times training looks at a batch of photos. More steps learn the face better but take longer, and too many can make every image look like the training photos.',
    control: { kind: 'number', min: 100, max: 10_000, step: 50, integer: true, slider: { min: 250, max: 4000, step: 50 } },
    format: (v) => `${String(v)} steps`,
  },
  {
    key: 'rank',
    label: 'Rank',
    hint: 'How much the LoRA can hold. 16 is enough for a face; 32 keeps finer detail but makes a bigger file and can learn the photos’ backgrounds too.',
    control: { kind: 'select', options: [4, 8, 16, 32, 64, 128].map((r) => ({ value: String(r), label: String(r) })) },
    format: (v) => `rank ${String(v)}`,
  },
  {
    key: 'learningRate',
    label: 'Learning rate',
    hint: 'How big each learning step is. Higher learns faster but can overshoot and look burnt; lower is safer and slower. 0.0001 is the usual value. Not used with the Prodigy optimizer, which finds its own.',
    control: { kind: 'number', min: 1e-6, max: 1e-2, step: 'any' },
    format: (v) => `LR ${String(v)}`,
  },
  {
    key: 'resolutions',
    label: 'Image sizes',
    hint: 'The sizes the photos are trained at. Several sizes make the LoRA work at any size; 1024 px needs the most memory and time.',
    control: { kind: 'multi', options: RESOLUTIONS.map((r) => ({ value: r, label: `${r} px` })) },
    format: (v) => `${(v as readonly number[]).join('/')} px`,
  },
  {
    key: 'saveEvery',
    label: 'Save every',
    hint: 'How often a checkpoint is saved. A crash or a Stop resumes from the last one; saving more often costs a little time and disk.',
    control: { kind: 'number', min: 50, max: 5000, step: 50, integer: true, unit: 'steps' },
    format: (v) => `save every ${String(v)}`,
  },
  {
    key: 'sampleEvery',
    label: 'Sample every',
    hint: 'How often sample images are made, so you can watch the likeness appear. Each round of samples pauses training briefly.',
    control: { kind: 'number', min: 50, max: 5000, step: 50, integer: true, unit: 'steps' },
    format: (v) => `samples every ${String(v)}`,
  },
  {
    key: 'samplePrompts',
    label: 'Sample prompts',
    hint: 'One prompt per line (at most 6) for the sample images; [trigger] stands for the trigger word. Fewer prompts make sampling quicker.',
    control: { kind: 'lines', maxLines: 6, placeholder: '[trigger], portrait photo' },
    format: (v) => `${(v as readonly string[]).length} sample prompts`,
  },
  {
    key: 'optimizer',
    label: 'Optimizer',
    hint: 'The method that updates the LoRA. AdamW 8-bit is reliable and light on memory; the others are for experiments. Prodigy finds its own learning rate, so the learning rate setting goes away with it.',
    control: { kind: 'select', options: OPTIMIZERS.map((o) => ({ value: o, label: OPTIMIZER_LABELS[o] })) },
    format: (v) => String(v),
  },
  {
    key: 'quantize',
    label: 'Quantize the model',
    hint: 'Loads the base model in 8 bits so it fits a 24 GB GPU. Turn it off only on a GPU with 48 GB or more; quality is nearly the same.',
    control: { kind: 'boolean', checkboxLabel: 'Load the model in 8 bits' },
    format: (v) => (v ? 'quantized' : 'not quantized'),
  },
  {
    key: 'lowVram',
    label: 'Low memory mode',
    hint: 'For GPUs with less than 24 GB: slower, because parts of the model wait in normal memory. Isengard switches it on by itself after running out of GPU memory once.',
    control: { kind: 'boolean', checkboxLabel: 'Fit smaller GPUs (slower)' },
    format: (v) => (v ? 'low memory' : 'normal memory'),
  },
];

/** Select values are strings in the form; the contract wants numbers for rank. */
export function toFormValue(key: TrainingKey, value: TrainingSettings[TrainingKey]): ParamValue {
  return key === 'rank' ? String(value) : (value as ParamValue);
}

export function fromFormValue(key: TrainingKey, value: ParamValue): unknown {
  return key === 'rank' ? Number(value) : value;
}

export type TrainingForm = Record<TrainingKey, ParamValue>;

export function formOf(settings: TrainingSettings): TrainingForm {
  return Object.fromEntries(TRAINING_PARAMS.map((p) => [p.key, toFormValue(p.key, settings[p.key])])) as TrainingForm;
}

export interface AdvancedCheck {
  /** Only what differs from the preset: what is sent as `advanced`. */
  advanced: AdvancedSettings;
  errors: Partial<Record<TrainingKey, string>>;
}

/** Whether a setting is in use with the form's other values: the learning rate is not with Prodigy. */
export function isParamInUse(key: TrainingKey, form: Pick<TrainingForm, 'optimizer'>): boolean {
  return key !== 'learningRate' || takesLearningRate(form.optimizer as TrainingSettings['optimizer']);
}

/** The overrides of a form against a preset, checked with the shared contract. */
export function checkAdvanced(form: TrainingForm, preset: TrainingSettings): AdvancedCheck {
  // A setting that is not in use is checked and sent as the preset has it: the contract refuses it otherwise.
  const presetForm = formOf(preset);
  const inUse = (key: TrainingKey) => isParamInUse(key, form);
  const used: TrainingForm = Object.fromEntries(TRAINING_PARAMS.map((p) => [p.key, inUse(p.key) ? form[p.key] : presetForm[p.key]])) as TrainingForm;
  const values = Object.fromEntries(TRAINING_PARAMS.map((p) => [p.key, fromFormValue(p.key, used[p.key])]));
  const parsed = trainingSettingsSchema.safeParse(values);
  const errors: Partial<Record<TrainingKey, string>> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as TrainingKey | undefined;
      if (key && !errors[key]) {
        errors[key] = typeof values[key] === 'number' && Number.isNaN(values[key]) ? 'Enter a number' : issue.message;
      }
    }
  }
  const advanced: Record<string, unknown> = {};
  for (const p of TRAINING_PARAMS) {
    if (JSON.stringify(used[p.key]) !== JSON.stringify(presetForm[p.key])) advanced[p.key] = values[p.key];
  }
  return { advanced: advanced as AdvancedSettings, errors };
}
