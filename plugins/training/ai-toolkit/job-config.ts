import type { TrainingSettings } from '../../../lib/contracts/training';
import { enginePrompt } from './engine-text';

/** Everything about one engine start that is not a user setting: names and absolute paths. */
export interface JobPlacement {
  /** `config.name`: the save folder's name and the checkpoints' filename prefix. */
  name: string;
  /** `training_folder`: the engine writes `<trainingFolder>/<name>/`. */
  trainingFolder: string;
  datasetPath: string;
  triggerWord: string;
  /** The UI-protocol SQLite file (stop / save now); its `Job` row id goes in AITK_JOB_ID. */
  jobDbPath: string;
  /** A Hugging Face repo id or a local diffusers folder. */
  modelPath: string;
  /** `low` after an out-of-memory failure: quantize on the CPU, drop the largest resolution, smaller samples. */
  vramProfile: 'standard' | 'low';
  /**
   * The highest step whose samples earlier starts of the run already made (every prompt's image), or null: the
   * engine makes no samples again for it or before it (spec §5: a resume re-runs the steps after its checkpoint).
   */
  sampledThrough: number | null;
}

export const FLUX_DEV_REPO = 'black-forest-labs/FLUX.1-dev';

/** The fewest step checkpoints the engine keeps (the final file never counts). */
export const KEEP_CHECKPOINTS = 4;

/**
 * The most step checkpoints the engine keeps. The recommended checkpoint (lib/likeness/run-likeness.ts) is chosen at
 * the end of a run among the checkpoints that still exist, and the best one is often an early one (later ones start
 * copying the training photos), yet the engine prunes the oldest first. So a run keeps every step checkpoint it
 * saves (the presets save at most 11), up to this many: beyond it (a long run saving very often) only the newest
 * survive, to bound the disk a run takes (a rank-16 FLUX LoRA is about 170 MB; rank 128, over 1 GB).
 */
export const MAX_KEPT_CHECKPOINTS = 20;

/** How many step checkpoints a run with these settings keeps: all it saves, within the bounds above. */
export function checkpointsToKeep(settings: Pick<TrainingSettings, 'steps' | 'saveEvery'>): number {
  // The engine saves at every multiple of saveEvery below the last step; the last step is the final file.
  const stepSaves = Math.floor((settings.steps - 1) / settings.saveEvery);
  return Math.min(MAX_KEPT_CHECKPOINTS, Math.max(KEEP_CHECKPOINTS, stepSaves));
}

/** Sample images' side; the low-VRAM profile makes them no larger than the largest training resolution. */
export const SAMPLE_SIZE = 1024;

/** The learning rate prodigy runs with: the engine sets any rate under 0.1 to 1.0 (`toolkit/optimizer.py`). */
export const PRODIGY_LR = 1.0;

/** The resolutions a profile trains at: the low-VRAM one leaves out 1024 px (unless nothing would be left). */
export function trainingResolutions(settings: TrainingSettings, vramProfile: JobPlacement['vramProfile']): number[] {
  const kept = vramProfile === 'low' ? settings.resolutions.filter((r) => r < 1024) : [...settings.resolutions];
  return kept.length > 0 ? kept : [512];
}

/**
 * The ai-toolkit job config for a FLUX.1-dev LoRA (spec §2, after `config/examples/train_lora_flux_24gb.yaml`).
 * Only configuration: the engine's optimizer, schedules, loss and augmentation code are never touched.
 */
export function buildJobConfig(settings: TrainingSettings, placement: JobPlacement): Record<string, unknown> {
  const low = placement.vramProfile === 'low';
  const resolutions = trainingResolutions(settings, placement.vramProfile);
  const sampleSize = low ? Math.min(SAMPLE_SIZE, Math.max(...resolutions)) : SAMPLE_SIZE;
  const sampled = placement.sampledThrough;
  return {
    job: 'extension',
    config: {
      name: placement.name,
      process: [
        {
          // SDTrainer plus the UI protocol (stop, save now) through the SQLite file (spec §6.3).
          type: 'diffusion_trainer',
          training_folder: placement.trainingFolder,
          sqlite_db_path: placement.jobDbPath,
          device: 'cuda:0',
          trigger_word: placement.triggerWord,
          performance_log_every: 10,
          network: { type: 'lora', linear: settings.rank, linear_alpha: settings.rank },
          save: {
            dtype: 'float16',
            save_every: settings.saveEvery,
            max_step_saves_to_keep: checkpointsToKeep(settings),
            push_to_hub: false,
          },
          datasets: [
            {
              folder_path: placement.datasetPath,
              caption_ext: 'txt',
              caption_dropout_rate: 0.05,
              shuffle_tokens: false,
              cache_latents_to_disk: true,
              resolution: resolutions,
              // The slow size probe applies EXIF orientation, which stored JPEGs keep (lib/images/prepare.ts).
              fast_image_size: false,
            },
          ],
          train: {
            batch_size: 1,
            steps: settings.steps,
            gradient_accumulation_steps: 1,
            train_unet: true,
            train_text_encoder: false,
            gradient_checkpointing: true,
            noise_scheduler: 'flowmatch',
            optimizer: settings.optimizer,
            // Prodigy finds its own step size; the engine runs it at 1.0 whatever is set, and the config says so.
            lr: settings.optimizer === 'prodigy' ? PRODIGY_LR : settings.learningRate,
            dtype: 'bf16',
            ema_config: { use_ema: true, ema_decay: 0.99 },
            // Baseline samples once per run, not again when a start before this one made them.
            skip_first_sample: sampled !== null,
            disable_sampling: false,
          },
          model: {
            name_or_path: placement.modelPath,
            is_flux: true,
            quantize: settings.quantize || low,
            low_vram: settings.lowVram || low,
          },
          sample: {
            sampler: 'flowmatch',
            sample_every: settings.sampleEvery,
            ...(sampled !== null ? { sample_start_step: sampled + 1 } : {}),
            width: sampleSize,
            height: sampleSize,
            prompts: settings.samplePrompts.map((p) => enginePrompt(p, placement.triggerWord)),
            neg: '',
            seed: 42,
            walk_seed: true,
            guidance_scale: 4,
            sample_steps: 20,
          },
        },
      ],
    },
    meta: { name: placement.name, version: '1.0' },
  };
}
