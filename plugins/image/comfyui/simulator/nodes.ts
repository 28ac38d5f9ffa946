/**
 * The node classes the simulator registers (spec §5 a/b/c): their INPUT_TYPES exactly as upstream declares them
 * (types, defaults, min/max, combos, tooltips; model combos listed live from the model folders), and a symbolic
 * run() that carries models, prompts and seeds through the graph so the saved picture can show them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ClipValue,
  ConditioningValue,
  GuiderValue,
  ImageValue,
  LatentValue,
  MaskValue,
  ModelValue,
  NoiseValue,
  SamplerValue,
  SigmasValue,
  VaeValue,
  type LoraUse,
  type NodeDef,
  type NodeEnv,
  type NodeResult,
  type NodeRunContext,
  type Sampling,
} from './node-types';
import { decodeImage, encodeJpeg, encodePng } from './png';
import { PyError, PyFloat, bigOf, num, pyFloatRepr, pyJsonDumps, type Jsonish } from './py';
import { addNoise, containSize, drawLabel, resize, seedBackground, solidImage, type LabelLine, type RgbImage } from './render';
import { getSaveImagePath, pyJoin } from './save-path';

export const MAX_RESOLUTION = 16384;
const f = (x: number) => new PyFloat(x);
export const SEED_MAX = 0xffffffffffffffffn;

export const SAMPLER_NAMES = [
  'euler', 'euler_cfg_pp', 'euler_ancestral', 'euler_ancestral_cfg_pp', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral',
  'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_2s_ancestral_cfg_pp', 'dpmpp_sde', 'dpmpp_sde_gpu',
  'dpmpp_2m', 'dpmpp_2m_cfg_pp', 'dpmpp_2m_sde', 'dpmpp_2m_sde_gpu', 'dpmpp_2m_sde_heun', 'dpmpp_2m_sde_heun_gpu',
  'dpmpp_3m_sde', 'dpmpp_3m_sde_gpu', 'ddpm', 'lcm', 'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'res_multistep_cfg_pp',
  'res_multistep_ancestral', 'res_multistep_ancestral_cfg_pp', 'gradient_estimation', 'gradient_estimation_cfg_pp',
  'er_sde', 'seeds_2', 'seeds_3', 'sa_solver', 'sa_solver_pece', 'ddim', 'uni_pc', 'uni_pc_bh2',
]; // prettier-ignore

export const SCHEDULER_NAMES = ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal'];

/** Fake sizes for the "VRAM" bookkeeping, by loader. */
const GIB = 1024 ** 3;
const FAKE_SIZE = { unet: 22.2 * GIB, clip: 9.6 * GIB, vae: 0.16 * GIB, checkpoint: 6.5 * GIB, lora: 0.16 * GIB } as const;

// ------------------------------------------------------------------ helpers

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const toInt = (v: unknown): number => Math.trunc(num(v));

/** `folder_paths.get_full_path_or_raise`. */
function requireModel(env: NodeEnv, folder: string, name: string): string {
  const full = env.models.fullPath(folder, name);
  if (full === null) throw new PyError('FileNotFoundError', `Model in folder '${folder}' with filename '${name}' not found.`);
  return full;
}

function guessFamily(name: string): 'flux' | 'sdxl' | 'unknown' {
  const n = name.toLowerCase();
  if (n.includes('flux')) return 'flux';
  if (n.includes('xl')) return 'sdxl';
  return 'unknown';
}

const fmtNum = (x: number): string => (Number.isInteger(x) ? String(x) : pyFloatRepr(x));
const fmtFloat = (x: number): string => pyFloatRepr(x);

function loraLines(model: ModelValue): LabelLine[] {
  if (model.loras.length === 0) return [{ text: 'lora: none', color: [255, 210, 120] }];
  return model.loras.map((l) => ({
    text: `lora: ${l.name}  model ${fmtFloat(l.strengthModel)}${l.strengthClip === null ? '' : ` / clip ${fmtFloat(l.strengthClip)}`}${
      l.strengthModel === 0 && (l.strengthClip ?? 0) === 0 ? ' (off)' : ''
    }`,
    color: [255, 210, 120] as [number, number, number],
  }));
}

/** The label printed on a generated picture. */
export function generationLabel(s: Sampling, index: number, batch: number, width: number, height: number, vae: string): LabelLine[] {
  const seed = s.seed + BigInt(index);
  const lines: LabelLine[] = [
    { text: 'COMFYUI SIMULATOR (no real model)', color: [150, 220, 255] },
    { text: `prompt: ${s.positive.text}` },
  ];
  if (s.negative && s.negative.text.trim() !== '') lines.push({ text: `negative: ${s.negative.text}`, color: [220, 220, 220] });
  lines.push({ text: `seed: ${seed}${batch > 1 ? `  (image ${index + 1}/${batch})` : ''}`, color: [140, 255, 160] });
  lines.push(...loraLines(s.model));
  lines.push({ text: `model: ${s.model.base}`, color: [200, 200, 255] });
  const clip = s.positive.clip;
  lines.push({ text: `text encoder: ${clip.names.join(' + ')} (${clip.type})`, color: [200, 200, 255] });
  const guidance = s.positive.guidance === null ? '' : ` guidance ${fmtFloat(s.positive.guidance)}`;
  const cfg = s.cfg === null ? '' : ` cfg ${fmtFloat(s.cfg)}`;
  lines.push({ text: `${s.sampler}/${s.scheduler} steps ${s.steps}${cfg}${guidance} denoise ${fmtFloat(s.denoise)}`, color: [220, 220, 220] });
  for (const note of s.model.notes) lines.push({ text: note, color: [220, 220, 220] });
  lines.push({ text: `${width}x${height} vae ${vae}`, color: [220, 220, 220] });
  return lines;
}

/** The picture for batch image `index`: seed + index drives the background, the label tells what was asked. */
export function renderGeneration(s: Sampling, index: number, batch: number, width: number, height: number, vae: string): RgbImage {
  const img = seedBackground(width, height, s.seed + BigInt(index));
  drawLabel(img, generationLabel(s, index, batch, width, height, vae));
  return img;
}

function renderUnsampled(width: number, height: number): RgbImage {
  const img = solidImage(width, height, 0x6b6358);
  drawLabel(img, [{ text: 'COMFYUI SIMULATOR: decoded an empty (unsampled) latent', color: [150, 220, 255] }]);
  return img;
}

// ------------------------------------------------------------------ input spec fragments

const tip = (tooltip: string) => ({ tooltip });
const seedSpec = (tooltip?: string) => ({
  default: 0,
  min: 0,
  max: SEED_MAX,
  control_after_generate: true,
  ...(tooltip ? { tooltip } : {}),
});

/** `VAELoader.vae_list`. */
function vaeList(env: NodeEnv): string[] {
  const vaes = env.models.list('vae');
  const approx = env.models.list('vae_approx');
  const has = (p: string) => approx.some((v) => v.startsWith(p));
  if (has('taesd_decoder.') && has('taesd_encoder.')) vaes.push('taesd');
  if (has('taesdxl_decoder.') && has('taesdxl_encoder.')) vaes.push('taesdxl');
  if (has('taesd3_decoder.') && has('taesd3_encoder.')) vaes.push('taesd3');
  if (has('taef1_encoder.') && has('taef1_decoder.')) vaes.push('taef1');
  vaes.push('pixel_space');
  return vaes;
}

const IMAGE_EXTS = new Set([
  'png', 'jpg', 'jpeg', 'jpe', 'gif', 'bmp', 'webp', 'tif', 'tiff', 'ico', 'svg', 'avif', 'heic', 'heif', 'pbm', 'pgm', 'ppm', 'pnm', 'ras', 'xbm', 'xpm', 'rgb', 'ief', 'jxl',
]); // prettier-ignore

/** LoadImage's list: image files directly in the input directory (`filter_files_content_types(..., ["image"])`). */
function inputImages(env: NodeEnv): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(env.inputDir).filter((n) => {
      try {
        return statSync(path.join(env.inputDir, n)).isFile();
      } catch {
        return false;
      }
    });
  } catch {
    names = [];
  }
  return names.filter((n) => n.includes('.') && IMAGE_EXTS.has(n.split('.').pop()!.toLowerCase())).sort();
}

/** `folder_paths.annotated_filepath` + `exists_annotated_filepath`, for LoadImage. */
export function annotatedFilepath(name: string, dirs: { input: string; output: string; temp: string }): [string, string | null] {
  if (name.endsWith('[output]')) return [name.slice(0, -9), dirs.output];
  if (name.endsWith('[input]')) return [name.slice(0, -8), dirs.input];
  if (name.endsWith('[temp]')) return [name.slice(0, -7), dirs.temp];
  return [name, null];
}

// ------------------------------------------------------------------ save

async function saveImages(
  ctx: NodeRunContext,
  images: ImageValue,
  filenamePrefix: string,
  opts: { dir: string; type: 'output' | 'temp'; compressLevel: number },
): Promise<NodeResult> {
  const first = await images.frame(0);
  const sp = getSaveImagePath(filenamePrefix, opts.dir, first.width, first.height);
  let counter = sp.counter;
  const results: Jsonish[] = [];
  for (let i = 0; i < images.batch; i++) {
    const img = await images.frame(i);
    const texts: [string, string][] = [];
    if (!ctx.disableMetadata) {
      texts.push(['prompt', pyJsonDumps(ctx.prompt)]);
      const extra = ctx.extraPnginfo;
      if (extra instanceof Map) for (const [k, v] of extra) texts.push([k, pyJsonDumps(v)]);
    }
    const fileName = `${sp.filename.replaceAll('%batch_num%', String(i))}_${String(counter).padStart(5, '0')}_.png`;
    writeFileSync(pyJoin(sp.fullOutputFolder, fileName), await encodePng(img, opts.compressLevel, texts));
    results.push(new Map<string, Jsonish>([['filename', fileName], ['subfolder', sp.subfolder], ['type', opts.type]]));
    counter++;
  }
  return { outputs: [], ui: new Map([['images', results]]) };
}

// ------------------------------------------------------------------ sampling

async function runSampler(ctx: NodeRunContext, s: Sampling, latent: LatentValue): Promise<LatentValue> {
  const steps = s.denoise <= 0 ? 0 : s.steps;
  const preview =
    ctx.previewMethod === 'none'
      ? null
      : async (step: number): Promise<{ format: 'JPEG'; bytes: Buffer }> => {
          const lw = Math.max(1, Math.floor(latent.width / 8));
          const lh = Math.max(1, Math.floor(latent.height / 8));
          const base = seedBackground(lw, lh, s.seed);
          const noisy = addNoise(base, s.seed + BigInt(step), Math.max(0, 1 - step / Math.max(1, steps)));
          const [pw, ph] = containSize(lw, lh, ctx.previewSize);
          return { format: 'JPEG', bytes: await encodeJpeg(resize(noisy, pw, ph), 95) };
        };
  ctx.loadModel(`sampling:${s.node}`, 0);
  await ctx.sample(steps, preview);
  return new LatentValue(latent.width, latent.height, latent.batch, latent.channels, s);
}

// ------------------------------------------------------------------ definitions

const V1 = { v3: false, outputNode: false, description: '', pythonModule: 'nodes' } as const;

export const NODE_DEFS: NodeDef[] = [
  {
    ...V1,
    name: 'KSampler',
    displayName: 'KSampler',
    category: 'sampling',
    description: 'Uses the provided model, positive and negative conditioning to denoise the latent image.',
    returnTypes: ['LATENT'],
    outputTooltips: ['The denoised latent.'],
    inputTypes: () => ({
      required: {
        model: ['MODEL', tip('The model used for denoising the input latent.')],
        seed: ['INT', seedSpec('The random seed used for creating the noise.')],
        steps: ['INT', { default: 20, min: 1, max: 10000, tooltip: 'The number of steps used in the denoising process.' }],
        cfg: [
          'FLOAT',
          {
            default: f(8),
            min: f(0),
            max: f(100),
            step: 0.1,
            round: 0.01,
            tooltip:
              'The Classifier-Free Guidance scale balances creativity and adherence to the prompt. Higher values result in images more closely matching the prompt however too high values will negatively impact quality.',
          },
        ],
        sampler_name: [SAMPLER_NAMES, tip('The algorithm used when sampling, this can affect the quality, speed, and style of the generated output.')],
        scheduler: [SCHEDULER_NAMES, tip('The scheduler controls how noise is gradually removed to form the image.')],
        positive: ['CONDITIONING', tip('The conditioning describing the attributes you want to include in the image.')],
        negative: ['CONDITIONING', tip('The conditioning describing the attributes you want to exclude from the image.')],
        latent_image: ['LATENT', tip('The latent image to denoise.')],
        denoise: [
          'FLOAT',
          {
            default: f(1),
            min: f(0),
            max: f(1),
            step: 0.01,
            tooltip:
              'The amount of denoising applied, lower values will maintain the structure of the initial image allowing for image to image sampling.',
          },
        ],
      },
    }),
    async run(ctx, i) {
      const latent = i.latent_image as LatentValue;
      const s: Sampling = {
        seed: bigOf(i.seed),
        steps: toInt(i.steps),
        cfg: num(i.cfg),
        sampler: str(i.sampler_name),
        scheduler: str(i.scheduler),
        denoise: i.denoise === undefined ? 1 : num(i.denoise),
        model: i.model as ModelValue,
        positive: i.positive as ConditioningValue,
        negative: i.negative as ConditioningValue,
        node: ctx.nodeId,
      };
      return { outputs: [await runSampler(ctx, s, latent)] };
    },
  },
  {
    ...V1,
    name: 'CheckpointLoaderSimple',
    displayName: 'Load Checkpoint',
    category: 'loaders',
    description: 'Loads a diffusion model checkpoint, diffusion models are used to denoise latents.',
    returnTypes: ['MODEL', 'CLIP', 'VAE'],
    outputTooltips: [
      'The model used for denoising latents.',
      'The CLIP model used for encoding text prompts.',
      'The VAE model used for encoding and decoding images to and from latent space.',
    ],
    inputTypes: (env) => ({ required: { ckpt_name: [env.models.list('checkpoints'), tip('The name of the checkpoint (model) to load.')] } }),
    async run(ctx, i) {
      const name = str(i.ckpt_name);
      requireModel(ctx, 'checkpoints', name);
      ctx.loadModel(`checkpoints/${name}`, FAKE_SIZE.checkpoint);
      const family = guessFamily(name);
      return {
        outputs: [new ModelValue(name, family === 'unknown' ? 'sdxl' : family), new ClipValue([name], family === 'flux' ? 'flux' : 'sdxl'), new VaeValue(name)],
      };
    },
  },
  {
    ...V1,
    name: 'CLIPTextEncode',
    displayName: 'CLIP Text Encode (Prompt)',
    category: 'conditioning',
    description:
      'Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images.',
    returnTypes: ['CONDITIONING'],
    outputTooltips: ['A conditioning containing the embedded text used to guide the diffusion model.'],
    inputTypes: () => ({
      required: {
        text: ['STRING', { multiline: true, dynamicPrompts: true, tooltip: 'The text to be encoded.' }],
        clip: ['CLIP', tip('The CLIP model used for encoding the text.')],
      },
    }),
    async run(_ctx, i) {
      if (i.clip === null || i.clip === undefined) {
        throw new PyError(
          'RuntimeError',
          'ERROR: clip input is invalid: None\n\nIf the clip is from a checkpoint loader node your checkpoint does not contain a valid clip or text encoder model.',
        );
      }
      return { outputs: [new ConditioningValue(str(i.text), i.clip as ClipValue)] };
    },
  },
  {
    ...V1,
    name: 'VAEDecode',
    displayName: 'VAE Decode',
    category: 'latent',
    description: 'Decodes latent images back into pixel space images.',
    returnTypes: ['IMAGE'],
    outputTooltips: ['The decoded image.'],
    inputTypes: () => ({
      required: {
        samples: ['LATENT', tip('The latent to be decoded.')],
        vae: ['VAE', tip('The VAE model used for decoding the latent.')],
      },
    }),
    async run(_ctx, i) {
      const latent = i.samples as LatentValue;
      const vae = i.vae as VaeValue;
      const s = latent.sampling;
      const image = new ImageValue(latent.width, latent.height, latent.batch, (k) =>
        s ? renderGeneration(s, k, latent.batch, latent.width, latent.height, vae.name) : renderUnsampled(latent.width, latent.height),
      );
      return { outputs: [image] };
    },
  },
  {
    ...V1,
    name: 'VAELoader',
    displayName: 'Load VAE',
    category: 'loaders',
    returnTypes: ['VAE'],
    inputTypes: (env) => ({ required: { vae_name: [vaeList(env)] } }),
    async run(ctx, i) {
      const name = str(i.vae_name);
      if (name !== 'pixel_space' && !['taesd', 'taesdxl', 'taesd3', 'taef1'].includes(name)) requireModel(ctx, 'vae', name);
      ctx.loadModel(`vae/${name}`, FAKE_SIZE.vae);
      return { outputs: [new VaeValue(name)] };
    },
  },
  {
    ...V1,
    name: 'EmptyLatentImage',
    displayName: 'Empty Latent Image',
    category: 'latent',
    description: 'Create a new batch of empty latent images to be denoised via sampling.',
    returnTypes: ['LATENT'],
    outputTooltips: ['The empty latent image batch.'],
    inputTypes: () => ({
      required: {
        width: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8, tooltip: 'The width of the latent images in pixels.' }],
        height: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8, tooltip: 'The height of the latent images in pixels.' }],
        batch_size: ['INT', { default: 1, min: 1, max: 4096, tooltip: 'The number of latent images in the batch.' }],
      },
    }),
    async run(_ctx, i) {
      return { outputs: [emptyLatent(i, 4)] };
    },
  },
  {
    ...V1,
    name: 'SaveImage',
    displayName: 'Save Image',
    category: 'image',
    description: 'Saves the input images to your ComfyUI output directory.',
    outputNode: true,
    returnTypes: [],
    inputTypes: () => ({
      required: {
        images: ['IMAGE', tip('The images to save.')],
        filename_prefix: [
          'STRING',
          {
            default: 'ComfyUI',
            tooltip:
              'The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% or %Empty Latent Image.width% to include values from nodes.',
          },
        ],
      },
      hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
    }),
    async run(ctx, i) {
      const prefix = i.filename_prefix === undefined ? 'ComfyUI' : str(i.filename_prefix);
      return saveImages(ctx, i.images as ImageValue, prefix, { dir: ctx.outputDir, type: 'output', compressLevel: 4 });
    },
  },
  {
    ...V1,
    name: 'PreviewImage',
    displayName: 'Preview Image',
    category: 'image',
    description: 'Saves the input images to your ComfyUI output directory.',
    outputNode: true,
    returnTypes: [],
    inputTypes: () => ({ required: { images: ['IMAGE'] }, hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' } }),
    async run(ctx, i) {
      // ComfyUI's random suffix alphabet, typo included ('p' twice, no 'w').
      const suffix = ctx.nodeObject(() =>
        Array.from({ length: 5 }, () => 'abcdefghijklmnopqrstupvxyz'[Math.floor(Math.random() * 26)]).join(''),
      );
      return saveImages(ctx, i.images as ImageValue, `ComfyUI_temp_${suffix}`, { dir: ctx.tempDir, type: 'temp', compressLevel: 1 });
    },
  },
  {
    ...V1,
    name: 'LoadImage',
    displayName: 'Load Image',
    category: 'image',
    returnTypes: ['IMAGE', 'MASK'],
    inputTypes: (env) => ({ required: { image: [inputImages(env), { image_upload: true }] } }),
    validate: {
      inputs: ['image'],
      fn: (env, values) => {
        const name = values.image;
        if (typeof name !== 'string') {
          throw new PyError('AttributeError', `'${name === null ? 'NoneType' : typeof name === 'number' ? 'int' : 'object'}' object has no attribute 'endswith'`);
        }
        const [rel, base] = annotatedFilepath(name, { input: env.inputDir, output: env.outputDir, temp: env.tempDir });
        return existsSync(pyJoin(base ?? env.inputDir, rel)) ? true : `Invalid image file: ${name}`;
      },
    },
    isChanged: (env, values) => {
      const [rel, base] = annotatedFilepath(String(values.image), { input: env.inputDir, output: env.outputDir, temp: env.tempDir });
      return createHash('sha256').update(readFileSync(pyJoin(base ?? env.inputDir, rel))).digest('hex');
    },
    async run(ctx, i) {
      const name = str(i.image);
      const [rel, base] = annotatedFilepath(name, { input: ctx.inputDir, output: ctx.outputDir, temp: ctx.tempDir });
      const file = pyJoin(base ?? ctx.inputDir, rel);
      if (!existsSync(file)) throw new PyError('FileNotFoundError', `[Errno 2] No such file or directory: '${file}'`);
      const { image } = await decodeImage(file);
      return { outputs: [new ImageValue(image.width, image.height, 1, () => image), new MaskValue(image.width, image.height)] };
    },
  },
  {
    ...V1,
    name: 'EmptyImage',
    displayName: 'EmptyImage',
    category: 'image',
    returnTypes: ['IMAGE'],
    inputTypes: () => ({
      required: {
        width: ['INT', { default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }],
        height: ['INT', { default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }],
        batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
        color: ['INT', { default: 0, min: 0, max: 0xffffff, step: 1, display: 'color' }],
      },
    }),
    async run(_ctx, i) {
      const w = toInt(i.width);
      const h = toInt(i.height);
      const color = toInt(i.color ?? 0);
      const solid = solidImage(w, h, color);
      return { outputs: [new ImageValue(w, h, toInt(i.batch_size ?? 1), () => solid)] };
    },
  },
  {
    ...V1,
    name: 'LoraLoader',
    displayName: 'Load LoRA',
    category: 'loaders',
    description:
      'LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are denoised such as applying styles. Multiple LoRA nodes can be linked together.',
    returnTypes: ['MODEL', 'CLIP'],
    outputTooltips: ['The modified diffusion model.', 'The modified CLIP model.'],
    inputTypes: (env) => ({
      required: {
        model: ['MODEL', tip('The diffusion model the LoRA will be applied to.')],
        clip: ['CLIP', tip('The CLIP model the LoRA will be applied to.')],
        lora_name: [env.models.list('loras'), tip('The name of the LoRA.')],
        strength_model: [
          'FLOAT',
          { default: f(1), min: f(-100), max: f(100), step: 0.01, tooltip: 'How strongly to modify the diffusion model. This value can be negative.' },
        ],
        strength_clip: [
          'FLOAT',
          { default: f(1), min: f(-100), max: f(100), step: 0.01, tooltip: 'How strongly to modify the CLIP model. This value can be negative.' },
        ],
      },
    }),
    async run(ctx, i) {
      return { outputs: loadLora(ctx, i.model as ModelValue, i.clip as ClipValue | null, str(i.lora_name), num(i.strength_model), num(i.strength_clip)) };
    },
  },
  {
    ...V1,
    name: 'CLIPLoader',
    displayName: 'Load CLIP',
    category: 'advanced/loaders',
    description:
      '[Recipes]\n\nstable_diffusion: clip-l\nstable_cascade: clip-g\nsd3: t5 xxl/ clip-g / clip-l\nstable_audio: t5 base\nmochi: t5 xxl\ncosmos: old t5 xxl\nlumina2: gemma 2 2B\nwan: umt5 xxl\n hidream: llama-3.1 (Recommend) or t5\nomnigen2: qwen vl 2.5 3B',
    returnTypes: ['CLIP'],
    inputTypes: (env) => ({
      required: {
        clip_name: [env.models.list('text_encoders')],
        type: [
          [
            'stable_diffusion', 'stable_cascade', 'sd3', 'stable_audio', 'mochi', 'ltxv', 'pixart', 'cosmos', 'lumina2', 'wan',
            'hidream', 'chroma', 'ace', 'omnigen2', 'qwen_image', 'hunyuan_image',
          ], // prettier-ignore
        ],
      },
      optional: { device: [['default', 'cpu'], { advanced: true }] },
    }),
    async run(ctx, i) {
      const name = str(i.clip_name);
      requireModel(ctx, 'text_encoders', name);
      ctx.loadModel(`text_encoders/${name}`, FAKE_SIZE.clip);
      return { outputs: [new ClipValue([name], str(i.type ?? 'stable_diffusion'))] };
    },
  },
  {
    ...V1,
    name: 'UNETLoader',
    displayName: 'Load Diffusion Model',
    category: 'advanced/loaders',
    returnTypes: ['MODEL'],
    inputTypes: (env) => ({
      required: {
        unet_name: [env.models.list('diffusion_models')],
        weight_dtype: [['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2']],
      },
    }),
    async run(ctx, i) {
      const name = str(i.unet_name);
      requireModel(ctx, 'diffusion_models', name);
      const dtype = str(i.weight_dtype);
      ctx.loadModel(`diffusion_models/${name}`, dtype.startsWith('fp8') ? FAKE_SIZE.unet / 2 : FAKE_SIZE.unet);
      const family = guessFamily(name);
      return { outputs: [new ModelValue(name, family === 'unknown' ? 'flux' : family, [], dtype === 'default' ? [] : [`weight dtype ${dtype}`])] };
    },
  },
  {
    ...V1,
    name: 'DualCLIPLoader',
    displayName: 'DualCLIPLoader',
    category: 'advanced/loaders',
    description:
      '[Recipes]\n\nsdxl: clip-l, clip-g\nsd3: clip-l, clip-g / clip-l, t5 / clip-g, t5\nflux: clip-l, t5\nhidream: at least one of t5 or llama, recommended t5 and llama\nhunyuan_image: qwen2.5vl 7b and byt5 small',
    returnTypes: ['CLIP'],
    inputTypes: (env) => {
      const list = env.models.list('text_encoders');
      return {
        required: {
          clip_name1: [list],
          clip_name2: [[...list]],
          type: [['sdxl', 'sd3', 'flux', 'hunyuan_video', 'hidream', 'hunyuan_image']],
        },
        optional: { device: [['default', 'cpu'], { advanced: true }] },
      };
    },
    async run(ctx, i) {
      const a = str(i.clip_name1);
      const b = str(i.clip_name2);
      requireModel(ctx, 'text_encoders', a);
      requireModel(ctx, 'text_encoders', b);
      ctx.loadModel(`text_encoders/${a}`, FAKE_SIZE.clip);
      ctx.loadModel(`text_encoders/${b}`, 0.25 * GIB);
      return { outputs: [new ClipValue([a, b], str(i.type))] };
    },
  },
  {
    ...V1,
    name: 'LoraLoaderModelOnly',
    displayName: 'LoraLoaderModelOnly',
    category: 'loaders',
    description:
      'LoRAs are used to modify diffusion and CLIP models, altering the way in which latents are denoised such as applying styles. Multiple LoRA nodes can be linked together.',
    returnTypes: ['MODEL'],
    // inherited from LoraLoader upstream, hence two tooltips for one output
    outputTooltips: ['The modified diffusion model.', 'The modified CLIP model.'],
    inputTypes: (env) => ({
      required: {
        model: ['MODEL'],
        lora_name: [env.models.list('loras')],
        strength_model: ['FLOAT', { default: f(1), min: f(-100), max: f(100), step: 0.01 }],
      },
    }),
    async run(ctx, i) {
      const [model] = loadLora(ctx, i.model as ModelValue, null, str(i.lora_name), num(i.strength_model), 0, true);
      return { outputs: [model] };
    },
  },
  // ---------------------------------------------------------------- comfy_extras.nodes_custom_sampler (V1)
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_custom_sampler',
    name: 'BasicScheduler',
    displayName: 'BasicScheduler',
    category: 'sampling/custom_sampling/schedulers',
    returnTypes: ['SIGMAS'],
    inputTypes: () => ({
      required: {
        model: ['MODEL'],
        scheduler: [SCHEDULER_NAMES],
        steps: ['INT', { default: 20, min: 1, max: 10000 }],
        denoise: ['FLOAT', { default: f(1), min: f(0), max: f(1), step: 0.01 }],
      },
    }),
    async run(_ctx, i) {
      return { outputs: [new SigmasValue(num(i.denoise) <= 0 ? 0 : toInt(i.steps), str(i.scheduler), num(i.denoise))] };
    },
  },
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_custom_sampler',
    name: 'KSamplerSelect',
    displayName: 'KSamplerSelect',
    category: 'sampling/custom_sampling/samplers',
    returnTypes: ['SAMPLER'],
    inputTypes: () => ({ required: { sampler_name: [SAMPLER_NAMES] } }),
    async run(_ctx, i) {
      return { outputs: [new SamplerValue(str(i.sampler_name))] };
    },
  },
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_custom_sampler',
    name: 'BasicGuider',
    displayName: 'BasicGuider',
    category: 'sampling/custom_sampling/guiders',
    returnTypes: ['GUIDER'],
    inputTypes: () => ({ required: { model: ['MODEL'], conditioning: ['CONDITIONING'] } }),
    async run(_ctx, i) {
      return { outputs: [new GuiderValue(i.model as ModelValue, i.conditioning as ConditioningValue)] };
    },
  },
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_custom_sampler',
    name: 'RandomNoise',
    displayName: 'RandomNoise',
    category: 'sampling/custom_sampling/noise',
    returnTypes: ['NOISE'],
    inputTypes: () => ({ required: { noise_seed: ['INT', seedSpec()] } }),
    async run(_ctx, i) {
      return { outputs: [new NoiseValue(bigOf(i.noise_seed))] };
    },
  },
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_custom_sampler',
    name: 'SamplerCustomAdvanced',
    displayName: 'SamplerCustomAdvanced',
    category: 'sampling/custom_sampling',
    returnTypes: ['LATENT', 'LATENT'],
    returnNames: ['output', 'denoised_output'],
    inputTypes: () => ({
      required: { noise: ['NOISE'], guider: ['GUIDER'], sampler: ['SAMPLER'], sigmas: ['SIGMAS'], latent_image: ['LATENT'] },
    }),
    async run(ctx, i) {
      const guider = i.guider as GuiderValue;
      const sigmas = i.sigmas as SigmasValue;
      const s: Sampling = {
        seed: (i.noise as NoiseValue).seed,
        steps: sigmas.steps,
        cfg: null,
        sampler: (i.sampler as SamplerValue).name,
        scheduler: sigmas.scheduler,
        denoise: sigmas.denoise,
        model: guider.model,
        positive: guider.conditioning,
        negative: null,
        node: ctx.nodeId,
      };
      const out = await runSampler(ctx, s, i.latent_image as LatentValue);
      return { outputs: [out, out] };
    },
  },
  // ---------------------------------------------------------------- comfy_extras.nodes_model_advanced (V1)
  {
    ...V1,
    pythonModule: 'comfy_extras.nodes_model_advanced',
    name: 'ModelSamplingFlux',
    displayName: 'ModelSamplingFlux',
    category: 'advanced/model',
    returnTypes: ['MODEL'],
    inputTypes: () => ({
      required: {
        model: ['MODEL'],
        max_shift: ['FLOAT', { default: 1.15, min: f(0), max: f(100), step: 0.01 }],
        base_shift: ['FLOAT', { default: 0.5, min: f(0), max: f(100), step: 0.01 }],
        width: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 8 }],
        height: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 8 }],
      },
    }),
    async run(_ctx, i) {
      const maxShift = num(i.max_shift);
      const baseShift = num(i.base_shift);
      const mm = (maxShift - baseShift) / (4096 - 256);
      const shift = ((num(i.width) * num(i.height)) / (8 * 8 * 2 * 2)) * mm + (baseShift - mm * 256);
      return { outputs: [(i.model as ModelValue).with({ note: `ModelSamplingFlux shift ${fmtNum(Math.round(shift * 1000) / 1000)}` })] };
    },
  },
  // ---------------------------------------------------------------- V3 nodes (comfy_api.latest.io)
  {
    v3: true,
    outputNode: false,
    description: '',
    displayName: null,
    pythonModule: 'comfy_extras.nodes_flux',
    name: 'CLIPTextEncodeFlux',
    category: 'advanced/conditioning/flux',
    returnTypes: ['CONDITIONING'],
    outputTooltips: [null],
    inputTypes: () => ({
      required: {
        clip: ['CLIP', {}],
        clip_l: ['STRING', { multiline: true, dynamicPrompts: true }],
        t5xxl: ['STRING', { multiline: true, dynamicPrompts: true }],
        guidance: ['FLOAT', { default: 3.5, min: f(0), max: f(100), step: 0.1 }],
      },
    }),
    async run(_ctx, i) {
      const text = str(i.t5xxl) === str(i.clip_l) ? str(i.t5xxl) : `${str(i.t5xxl)} | clip_l: ${str(i.clip_l)}`;
      return { outputs: [new ConditioningValue(text, i.clip as ClipValue, num(i.guidance))] };
    },
  },
  {
    v3: true,
    outputNode: false,
    description: '',
    displayName: null,
    pythonModule: 'comfy_extras.nodes_flux',
    name: 'FluxGuidance',
    category: 'advanced/conditioning/flux',
    returnTypes: ['CONDITIONING'],
    outputTooltips: [null],
    inputTypes: () => ({
      required: {
        conditioning: ['CONDITIONING', {}],
        guidance: ['FLOAT', { default: 3.5, min: f(0), max: f(100), step: 0.1 }],
      },
    }),
    async run(_ctx, i) {
      const c = i.conditioning as ConditioningValue;
      return { outputs: [new ConditioningValue(c.text, c.clip, num(i.guidance))] };
    },
  },
  {
    v3: true,
    outputNode: false,
    description: '',
    displayName: null,
    pythonModule: 'comfy_extras.nodes_sd3',
    name: 'EmptySD3LatentImage',
    category: 'latent/sd3',
    returnTypes: ['LATENT'],
    outputTooltips: [null],
    inputTypes: () => ({
      required: {
        width: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
        height: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
        batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
      },
    }),
    async run(_ctx, i) {
      return { outputs: [emptyLatent(i, 16)] };
    },
  },
  // ---------------------------------------------------------------- custom_nodes/websocket_image_save.py
  {
    ...V1,
    pythonModule: 'custom_nodes.websocket_image_save',
    customNode: true,
    name: 'SaveImageWebsocket',
    displayName: 'SaveImageWebsocket',
    category: 'api/image',
    outputNode: true,
    returnTypes: [],
    inputTypes: () => ({ required: { images: ['IMAGE'] } }),
    isChanged: () => 'never',
    async run(ctx, i) {
      const images = i.images as ImageValue;
      for (let k = 0; k < images.batch; k++) {
        const img = await images.frame(k);
        await ctx.progress(k, images.batch, { format: 'PNG', bytes: await encodePng(img, 1) });
      }
      return { outputs: [] };
    },
  },
];

function emptyLatent(i: Record<string, unknown>, channels: number): LatentValue {
  // torch.zeros([batch, channels, height // 8, width // 8]) decodes to multiples of 8
  const w = Math.floor(toInt(i.width) / 8) * 8;
  const h = Math.floor(toInt(i.height) / 8) * 8;
  return new LatentValue(w, h, toInt(i.batch_size ?? 1), channels);
}

function loadLora(
  ctx: NodeRunContext,
  model: ModelValue,
  clip: ClipValue | null,
  name: string,
  strengthModel: number,
  strengthClip: number,
  modelOnly = false,
): [ModelValue, ClipValue | null] {
  const use: LoraUse = { name, strengthModel, strengthClip: modelOnly ? null : strengthClip };
  if (strengthModel === 0 && strengthClip === 0) {
    // short-circuited upstream (nodes.py:665): the file is not even opened
    return [model.with({ lora: use }), clip];
  }
  requireModel(ctx, 'loras', name);
  ctx.loadModel(`loras/${name}`, FAKE_SIZE.lora);
  const newClip = clip ? new ClipValue(clip.names, clip.type, [...clip.loras, use]) : null;
  return [model.with({ lora: use }), newClip];
}

/** The registered classes, honouring --disable-all-custom-nodes / --whitelist-custom-nodes. */
export function registeredNodes(disableCustom: boolean, whitelist: string[]): Map<string, NodeDef> {
  const out = new Map<string, NodeDef>();
  for (const d of NODE_DEFS) {
    if (d.customNode && disableCustom && !whitelist.some((w) => w === 'websocket_image_save.py' || w === 'websocket_image_save')) continue;
    out.set(d.name, d);
  }
  return out;
}
