import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { PRESETS } from '../../../lib/contracts/training';
import { engineEnv } from './engine';
import { configFileText, enginePrompt, KEEP_NAME_TAG_ARGS, promptAsUsed } from './engine-text';
import { buildJobConfig, checkpointsToKeep, MAX_KEPT_CHECKPOINTS } from './job-config';
import { sampledThrough } from './work-dir';

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
  sampledThrough: null,
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
      save: { dtype: 'float16', save_every: 250, max_step_saves_to_keep: 7, push_to_hub: false },
      train: { steps: 2000, lr: 1e-4, optimizer: 'adamw8bit', noise_scheduler: 'flowmatch', dtype: 'bf16', batch_size: 1 },
      model: { name_or_path: 'black-forest-labs/FLUX.1-dev', is_flux: true, quantize: true, low_vram: false },
      sample: { sampler: 'flowmatch', sample_every: 250, width: 1024, height: 1024 },
    });
    expect(p.datasets).toEqual([
      { folder_path: '/data/datasets/run-1', caption_ext: 'txt', caption_dropout_rate: 0.05, shuffle_tokens: false, cache_latents_to_disk: true, resolution: [512, 768, 1024], fast_image_size: false },
    ]);
  });

  it('the low-VRAM profile quantizes on the CPU, drops 1024 px and samples no larger than it trains', () => {
    const p = (buildJobConfig(PRESETS.balanced.settings, { ...placement, vramProfile: 'low' }) as JobConfig).config.process[0]!;
    expect(p.model).toMatchObject({ quantize: true, low_vram: true });
    expect(p.datasets![0]!.resolution).toEqual([512, 768]);
    expect(p.sample).toMatchObject({ width: 768, height: 768 });
    const small = (buildJobConfig({ ...PRESETS.balanced.settings, resolutions: [512, 1024] }, { ...placement, vramProfile: 'low' }) as JobConfig).config.process[0]!;
    expect(small.sample).toMatchObject({ width: 512, height: 512 });
    const only1024 = (buildJobConfig({ ...PRESETS.balanced.settings, resolutions: [1024] }, { ...placement, vramProfile: 'low' }) as JobConfig).config.process[0]!;
    expect(only1024.datasets![0]!.resolution).toEqual([512]);
    expect(only1024.sample).toMatchObject({ width: 512, height: 512 });
  });

  it('keeps every checkpoint a preset saves, each with samples, so the recommended one still exists at the end', () => {
    for (const preset of Object.values(PRESETS)) {
      const { steps, saveEvery, sampleEvery } = preset.settings;
      expect(sampleEvery).toBe(saveEvery);
      // Step saves at every multiple of saveEvery below the last step (the last step is the final file).
      const saves = Math.ceil(steps / saveEvery) - 1;
      expect(checkpointsToKeep(preset.settings)).toBe(Math.max(4, saves));
    }
    expect(checkpointsToKeep({ steps: 1000, saveEvery: 250 })).toBe(4);
    expect(checkpointsToKeep({ steps: 3000, saveEvery: 250 })).toBe(11);
    expect(checkpointsToKeep({ steps: 10_000, saveEvery: 50 })).toBe(MAX_KEPT_CHECKPOINTS);
  });

  it('with prodigy writes the learning rate the engine runs it at (1.0), not the ignored setting', () => {
    const p = (buildJobConfig({ ...PRESETS.balanced.settings, optimizer: 'prodigy' }, placement) as JobConfig).config.process[0]!;
    expect(p.train).toMatchObject({ optimizer: 'prodigy', lr: 1 });
  });

  it('makes baseline samples once per run and no samples again for steps earlier starts sampled', () => {
    const fresh = (buildJobConfig(PRESETS.balanced.settings, placement) as JobConfig).config.process[0]!;
    expect(fresh.train).toMatchObject({ skip_first_sample: false });
    expect(fresh.sample).not.toHaveProperty('sample_start_step');
    const resumed = (buildJobConfig(PRESETS.balanced.settings, { ...placement, sampledThrough: 500 }) as JobConfig).config.process[0]!;
    expect(resumed.train).toMatchObject({ skip_first_sample: true });
    expect(resumed.sample).toMatchObject({ sample_start_step: 501 });

    const file = (step: number, promptIndex: number) => ({ path: `s/${step}_${promptIndex}.jpg`, step, promptIndex });
    expect(sampledThrough([], 2)).toBeNull();
    expect(sampledThrough([file(0, 0)], 2)).toBeNull();
    // A set cut short (step 250 has one of two images) is made again; the complete ones are not.
    expect(sampledThrough([file(0, 0), file(0, 1), file(250, 0)], 2)).toBe(0);
    expect(sampledThrough([file(0, 0), file(0, 1), file(250, 1), file(250, 0), file(500, 0)], 2)).toBe(250);
  });

  it('hands the engine the user\'s text so that its substitutions and prompt options leave it as written', () => {
    const prompts = ['${HF_TOKEN} [trigger] at ${PRICE}', '[name] wearing a hat', '[trigger], close-up'];
    const config = buildJobConfig({ ...PRESETS.balanced.settings, samplePrompts: prompts }, placement);
    const text = configFileText(config);
    // The engine's environment substitution (toolkit/config.py) finds nothing to replace...
    expect(text).not.toMatch(/\$\{[^}]+\}/);
    expect(text).not.toContain('$');
    // ...and the JSON it parses holds the literal text, the trigger word in place of its tags.
    const parsed = JSON.parse(text) as JobConfig;
    expect(parsed.config.process[0]!.sample).toMatchObject({
      prompts: ['${HF_TOKEN} ada_x1 at ${PRICE}', 'ada_x1 wearing a hat', 'ada_x1, close-up'],
    });
    expect(parsed).toEqual(JSON.parse(JSON.stringify(config)));
    // The `[name]` substitution is told to put `[name]` back; the job name is written out where it is meant.
    expect(KEEP_NAME_TAG_ARGS).toEqual(['--name', '[name]']);
    expect((parsed as unknown as { meta: { name: string } }).meta.name).toBe('isengard_abc');
    expect(promptAsUsed('[trigger] and [name]', 'ada_x1')).toBe('ada_x1 and ada_x1');
    // Prompts stored before the contract refused "--" lose no text to the engine's option parser.
    expect(enginePrompt('[trigger] --w 64 -- x --- y', 'ada_x1')).toBe('ada_x1 \u2014w 64 \u2014 x \u2014 y');
  });

  it('runs with an unbuffered Python, the job row id, and no more of the environment than it needs', () => {
    const production = loadConfig({ ISENGARD_MODE: 'production', DATA_DIR: '/data', HF_TOKEN: 'hf_secret123' });
    const env = engineEnv(production, 'run-1', 'corr-9');
    expect(env).toMatchObject({ PYTHONUNBUFFERED: '1', PYTHON_DOTENV_DISABLED: '1', AITK_JOB_ID: 'run-1', IS_AI_TOOLKIT_UI: '1', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', HF_TOKEN: 'hf_secret123', ISENGARD_CORRELATION_ID: 'corr-9' });
    expect(Object.keys(env).some((k) => k.startsWith('TEMPORAL') || k === 'DATABASE_URL')).toBe(false);
    expect(production.aitoolkit.python.endsWith('vendor/ai-toolkit/venv/bin/python')).toBe(true);
  });
});
