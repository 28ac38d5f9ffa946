import type { TrainingSettings } from '../../../lib/contracts/training';
import type { TrainingDurationEstimate, TrainingSpeed } from '../interface';
import { SAMPLE_SIZE } from './job-config';

/** The sampler's steps per sample image (job-config.ts `sample_steps`). */
const SAMPLE_STEPS = 20;

/** Saving a LoRA checkpoint (tens of MB) and its optimizer state: seconds, whatever the GPU. */
const SECONDS_PER_SAVE = 5;

/** `low_vram` "uses less vram to quantize, but is slower" (ai-toolkit's FLUX example config): about half again, we assume. */
const LOW_VRAM_FACTOR = 1.5;

interface PublishedSpeed {
  /** Which device names (as torch reports them) this row covers. */
  matches: RegExp;
  /** Seconds per training step of a FLUX.1-dev LoRA (batch 1, rank 16, 8-bit quantized) at each resolution. */
  secondsPerStep: Record<TrainingSettings['resolutions'][number], number>;
  /** Seconds per sampler step of one 1024 px sample image. */
  secondsPerSampleStep: number;
  /** Loading FLUX.1-dev and quantizing it before the first step. */
  startupSeconds: number;
}

/**
 * Published training speeds of FLUX.1-dev LoRAs with ai-toolkit, by GPU model: approximate figures that users and
 * hosted trainers report (ai-toolkit's GitHub issues and community guides, the FLUX LoRA trainers that hosting services
 * run on H100s). At 1024 px a step takes about
 * 1.5–2 s on an H100 and 3–4 s on a 24 GB card of the 4090/A6000 class; at 512 px about a third as long (a quarter of
 * the pixels, plus fixed costs). The first rows win: Ada cards before their Ampere namesakes. Once a run has finished
 * on this instance's GPU, its measured speed replaces these.
 */
const PUBLISHED_SPEEDS: PublishedSpeed[] = [
  // Hopper: H100 / H200 / GH200.
  { matches: /\b(G?H100|H200|GH200)\b/i, secondsPerStep: { 512: 0.65, 768: 1.05, 1024: 1.75 }, secondsPerSampleStep: 0.4, startupSeconds: 180 },
  { matches: /\bA100\b/i, secondsPerStep: { 512: 0.95, 768: 1.6, 1024: 2.6 }, secondsPerSampleStep: 0.6, startupSeconds: 210 },
  { matches: /\bRTX\s*5090\b/i, secondsPerStep: { 512: 0.9, 768: 1.5, 1024: 2.4 }, secondsPerSampleStep: 0.6, startupSeconds: 210 },
  // Ada 24–48 GB: RTX 4090, L40S / L40, RTX 6000 Ada.
  { matches: /\b(RTX\s*4090|L40S?|RTX\s*6000\s*Ada)\b/i, secondsPerStep: { 512: 1.2, 768: 2.1, 1024: 3.5 }, secondsPerSampleStep: 1.0, startupSeconds: 240 },
  // Ampere 24–48 GB: RTX 3090 (Ti), RTX A6000, A40, RTX A5000.
  { matches: /\b(RTX\s*3090|A6000|A40|A5000)\b/i, secondsPerStep: { 512: 1.6, 768: 2.7, 1024: 4.5 }, secondsPerSampleStep: 1.5, startupSeconds: 270 },
];

function publishedSpeed(gpuName: string | null): PublishedSpeed | undefined {
  return gpuName === null ? undefined : PUBLISHED_SPEEDS.find((row) => row.matches.test(gpuName));
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * What makes two runs' speeds comparable: the resolutions trained (ai-toolkit cycles through their buckets, so a step
 * costs their mean) and the memory-saving switches. Rank and learning rate hardly change a step's time.
 */
export function speedKey(settings: Pick<TrainingSettings, 'resolutions' | 'quantize' | 'lowVram'>): string {
  const resolutions = [...settings.resolutions].sort((a, b) => a - b).join('/');
  return `${resolutions}px${settings.quantize ? '·q8' : ''}${settings.lowVram ? '·lowvram' : ''}`;
}

/**
 * How many sample rounds a run makes: the baseline before the first step, one at every `sampleEvery` inside the run,
 * and one after the last step (ai-toolkit's `BaseSDTrainProcess.run`). Each round draws every sample prompt.
 */
export function sampleRounds(settings: Pick<TrainingSettings, 'steps' | 'sampleEvery'>): number {
  return 1 + Math.floor((settings.steps - 1) / settings.sampleEvery) + 1;
}

/** Checkpoints saved: every `saveEvery` steps inside the run and the final file. */
export function saves(settings: Pick<TrainingSettings, 'steps' | 'saveEvery'>): number {
  return Math.floor((settings.steps - 1) / settings.saveEvery) + 1;
}

/**
 * How long a run of these settings takes on a GPU: its measured speed on this instance when there is one (the
 * progress bar's rate, which leaves sampling and saving out: ai-toolkit pauses the bar for them), else the published
 * figures for the GPU's model. Sampling, saving and loading come from the published figures either way; `unknown`
 * when the GPU is none of those and nothing was measured on it.
 */
export function estimateDuration(settings: TrainingSettings, gpu: TrainingSpeed): TrainingDurationEstimate {
  const published = publishedSpeed(gpu.gpuName);
  const slowdown = settings.lowVram ? LOW_VRAM_FACTOR : 1;
  const tableSecondsPerStep = published && mean(settings.resolutions.map((r) => published.secondsPerStep[r])) * slowdown;
  const secondsPerStep = gpu.measuredSecondsPerStep ?? tableSecondsPerStep;
  if (secondsPerStep === undefined) {
    return { seconds: null, basis: 'unknown', secondsPerStep: null, samplingSeconds: null, startupSeconds: null };
  }
  // A GPU measured here but missing from the table: its sampler runs about as fast as its training, step for step
  // (a 1024 px sample step is about a 1024 px training step's forward pass, a third of it).
  const secondsPerSampleStep =
    published?.secondsPerSampleStep ??
    (secondsPerStep * (SAMPLE_SIZE * SAMPLE_SIZE)) / (3 * mean(settings.resolutions.map((r) => r * r)));
  const samplingSeconds =
    sampleRounds(settings) * settings.samplePrompts.length * SAMPLE_STEPS * secondsPerSampleStep * slowdown +
    saves(settings) * SECONDS_PER_SAVE;
  const startupSeconds = published?.startupSeconds ?? 0;
  return {
    seconds: Math.round(settings.steps * secondsPerStep + samplingSeconds + startupSeconds),
    basis: gpu.measuredSecondsPerStep !== null ? 'measured' : 'table',
    secondsPerStep,
    samplingSeconds: Math.round(samplingSeconds),
    startupSeconds,
  };
}
