import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { PRESETS } from '../../../lib/contracts/training';
import { engineEnv } from './engine';
import { buildJobConfig } from './job-config';

type Process = Record<string, Record<string, unknown> & Array<Record<string, unknown>>>;
type JobConfig = { job: string; config: { name: string; process: Process[] } };

const placement = {
  name: 'isengard_abc',
  trainingFolder: '/data/training/run-1',
  datasetPath: '/data/datasets/run-1',
  triggerWord: 'ada_x1',
  jobDbPath: '/data/training/run-1/starts/s1.db',
  modelPath: 'black-forest-labs/FLUX.1-dev',
  vramProfile: 'standard' as const,
};

describe('the ai-toolkit job config (spec §2)', () => {
  it('is a FLUX.1-dev LoRA job with the UI protocol, built from the preset', () => {
    const config = buildJobConfig(PRESETS.balanced.settings, placement) as JobConfig;
    expect(config.job).toBe('extension');
    expect(config.config.name).toBe('isengard_abc');
    const p = config.config.process[0]!;
    expect(p).toMatchObject({
      type: 'diffusion_trainer',
      training_folder: '/data/training/run-1',
      sqlite_db_path: '/data/training/run-1/starts/s1.db',
      trigger_word: 'ada_x1',
      network: { type: 'lora', linear: 16, linear_alpha: 16 },
      save: { dtype: 'float16', save_every: 250, max_step_saves_to_keep: 4, push_to_hub: false },
      train: { steps: 2000, lr: 1e-4, optimizer: 'adamw8bit', noise_scheduler: 'flowmatch', dtype: 'bf16', batch_size: 1 },
      model: { name_or_path: 'black-forest-labs/FLUX.1-dev', is_flux: true, quantize: true, low_vram: false },
      sample: { sampler: 'flowmatch', sample_every: 250, width: 1024, height: 1024 },
    });
    expect(p.datasets).toEqual([
      { folder_path: '/data/datasets/run-1', caption_ext: 'txt', caption_dropout_rate: 0.05, shuffle_tokens: false, cache_latents_to_disk: true, resolution: [512, 768, 1024], fast_image_size: false },
    ]);
  });

  it('the low-VRAM profile quantizes on the CPU and drops 1024 px', () => {
    const p = (buildJobConfig(PRESETS.balanced.settings, { ...placement, vramProfile: 'low' }) as JobConfig).config.process[0]!;
    expect(p.model).toMatchObject({ quantize: true, low_vram: true });
    expect(p.datasets![0]!.resolution).toEqual([512, 768]);
  });

  it('runs with an unbuffered Python, the job row id, and no more of the environment than it needs', () => {
    const production = loadConfig({ ISENGARD_MODE: 'production', DATA_DIR: '/data', HF_TOKEN: 'hf_secret123' });
    const env = engineEnv(production, 'run-1', 'corr-9');
    expect(env).toMatchObject({ PYTHONUNBUFFERED: '1', AITK_JOB_ID: 'run-1', IS_AI_TOOLKIT_UI: '1', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', HF_TOKEN: 'hf_secret123', ISENGARD_CORRELATION_ID: 'corr-9' });
    expect(Object.keys(env).some((k) => k.startsWith('TEMPORAL') || k === 'DATABASE_URL')).toBe(false);
    expect(production.aitoolkit.python.endsWith('vendor/ai-toolkit/venv/bin/python')).toBe(true);
  });
});
