import type { TrainingSettings } from '../../../lib/contracts/training';

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
  /** `low` after an out-of-memory failure: quantize on the CPU, drop the largest resolution. */
  vramProfile: 'standard' | 'low';
}

export const FLUX_DEV_REPO = 'black-forest-labs/FLUX.1-dev';

/** How many step checkpoints the engine keeps (the final file never counts). */
export const KEEP_CHECKPOINTS = 4;

/**
 * The ai-toolkit job config for a FLUX.1-dev LoRA (spec §2, after `config/examples/train_lora_flux_24gb.yaml`).
 * Only configuration: the engine's optimizer, schedules, loss and augmentation code are never touched.
 */
export function buildJobConfig(settings: TrainingSettings, placement: JobPlacement): Record<string, unknown> {
  const low = placement.vramProfile === 'low';
  const resolutions = low ? settings.resolutions.filter((r) => r < 1024) : settings.resolutions;
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
            max_step_saves_to_keep: KEEP_CHECKPOINTS,
            push_to_hub: false,
          },
          datasets: [
            {
              folder_path: placement.datasetPath,
              caption_ext: 'txt',
              caption_dropout_rate: 0.05,
              shuffle_tokens: false,
              cache_latents_to_disk: true,
              resolution: resolutions.length > 0 ? resolutions : [512],
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
            lr: settings.learningRate,
            dtype: 'bf16',
            ema_config: { use_ema: true, ema_decay: 0.99 },
            skip_first_sample: false,
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
            width: 1024,
            height: 1024,
            prompts: settings.samplePrompts,
            neg: '',
            seed: 42,
            walk_seed: true,
            guidance_scale: 4,
            sample_steps: 20,
          },
        },
      ],
    },
    meta: { name: '[name]', version: '1.0' },
  };
}
