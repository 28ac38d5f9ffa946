/**
 * The node classes of the product's graphs (graphs.ts, comfyui.md §5), with the inputs ComfyUI declares for them.
 * Execution is symbolic: loaders read a model file's safetensors header only, the sampler loads its model onto the
 * simulated GPU (gpu.ts) and waits `steps` ticks, and the decoded "image" is a description of what was asked for;
 * SaveImage renders it (render.ts).
 */
import { SAMPLERS, SCHEDULERS } from '../../../../lib/contracts/generations';
import { safetensorsLoadError, SAFETENSOR_ERROR_TYPE, simulatedFace, type SimulatedFace } from './safetensors';

/** A declared input: a link of that type, a literal, a combo of options, or a model file of that folder. */
export type InputSpec =
  | { link: string }
  | { literal: 'INT' | 'FLOAT' | 'STRING'; min?: number; max?: number }
  | { options: readonly string[] }
  | { modelFolder: string };

/** An exception a node raises, as ComfyUI reports it in `execution_error`. */
export class NodeException extends Error {
  constructor(
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Lora {
  name: string;
  strength: number;
  /** The person a LoRA of the ai-toolkit simulator draws (on the model's side only). */
  face?: SimulatedFace;
}

/** What a generated picture depends on, carried from node to node. */
export interface Picture {
  baseModel: string;
  loras: Lora[];
  prompt: string;
  negative: string;
  guidance: number | null;
  width: number;
  height: number;
  batch: number;
  seed: number;
  sampling: string;
}

export interface RunContext {
  /** The file a model name refers to, or undefined once it is gone. */
  modelFile(folder: string, name: string): string | undefined;
  /** Loads the model onto the simulated GPU as a sampler does (model_management.load_models_gpu), LoRAs patched in. */
  prepare(model: { baseModel: string; loras: Array<{ name: string; strength: number }> }): Promise<void>;
  /** One sampling step after another, with progress ticks and faults. */
  sample(steps: number): Promise<void>;
  /** Writes the batch and returns the UI output (`{images: [...]}`). */
  save(picture: Picture, prefix: string): Promise<{ images: Array<{ filename: string; subfolder: string; type: string }> }>;
}

export interface NodeClass {
  inputs: Record<string, InputSpec>;
  outputs: string[];
  outputNode?: boolean;
  /** Loaders: cached by their inputs until `POST /free`, like ComfyUI's node cache keeps loaded models. */
  loader?: boolean;
  run(inputs: Record<string, unknown>, ctx: RunContext): Promise<{ outputs: unknown[]; ui?: Record<string, unknown> }>;
}

/** Reads a model file's header as safetensors does: a damaged file fails the loader (comfyui.md §10). Returns the file. */
function loadModel(ctx: RunContext, folder: string, name: unknown): string {
  const file = ctx.modelFile(folder, String(name));
  if (!file) throw new NodeException('FileNotFoundError', `Model in folder '${folder}' with filename '${String(name)}' not found.`);
  if (!file.endsWith('.safetensors') && !file.endsWith('.sft')) return file;
  const problem = safetensorsLoadError(file);
  if (problem) throw new NodeException(SAFETENSOR_ERROR_TYPE, problem);
  return file;
}

interface Model {
  baseModel: string;
  loras: Lora[];
}
interface Conditioning {
  text: string;
  loras: Lora[];
  guidance: number | null;
}
interface Latent {
  width: number;
  height: number;
  batch: number;
}

const LATENT = { width: { literal: 'INT', min: 16, max: 16384 }, height: { literal: 'INT', min: 16, max: 16384 }, batch_size: { literal: 'INT', min: 1, max: 4096 } } as const;
/** VAE decoding gives 8 pixels per latent cell. */
const latent = (i: Record<string, unknown>): Latent => ({ width: Math.floor(Number(i.width) / 8) * 8, height: Math.floor(Number(i.height) / 8) * 8, batch: Number(i.batch_size) });

export const NODES: Record<string, NodeClass> = {
  UNETLoader: {
    inputs: { unet_name: { modelFolder: 'diffusion_models' }, weight_dtype: { options: ['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2'] } },
    outputs: ['MODEL'],
    loader: true,
    async run(i, ctx) {
      loadModel(ctx, 'diffusion_models', i.unet_name);
      return { outputs: [{ baseModel: 'flux1-dev', loras: [] } satisfies Model] };
    },
  },
  DualCLIPLoader: {
    inputs: { clip_name1: { modelFolder: 'text_encoders' }, clip_name2: { modelFolder: 'text_encoders' }, type: { options: ['sdxl', 'sd3', 'flux', 'hunyuan_video', 'hidream', 'hunyuan_image'] } },
    outputs: ['CLIP'],
    loader: true,
    async run(i, ctx) {
      loadModel(ctx, 'text_encoders', i.clip_name1);
      loadModel(ctx, 'text_encoders', i.clip_name2);
      return { outputs: [{ loras: [] }] };
    },
  },
  VAELoader: {
    inputs: { vae_name: { modelFolder: 'vae' } },
    outputs: ['VAE'],
    loader: true,
    async run(i, ctx) {
      loadModel(ctx, 'vae', i.vae_name);
      return { outputs: [{}] };
    },
  },
  CheckpointLoaderSimple: {
    inputs: { ckpt_name: { modelFolder: 'checkpoints' } },
    outputs: ['MODEL', 'CLIP', 'VAE'],
    loader: true,
    async run(i, ctx) {
      loadModel(ctx, 'checkpoints', i.ckpt_name);
      return { outputs: [{ baseModel: 'sdxl', loras: [] } satisfies Model, { loras: [] }, {}] };
    },
  },
  LoraLoader: {
    inputs: {
      model: { link: 'MODEL' },
      clip: { link: 'CLIP' },
      lora_name: { modelFolder: 'loras' },
      strength_model: { literal: 'FLOAT', min: -100, max: 100 },
      strength_clip: { literal: 'FLOAT', min: -100, max: 100 },
    },
    outputs: ['MODEL', 'CLIP'],
    loader: true,
    async run(i, ctx) {
      const face = simulatedFace(loadModel(ctx, 'loras', i.lora_name));
      const model = i.model as Model;
      const clip = i.clip as { loras: Lora[] };
      const lora: Lora = { name: String(i.lora_name), strength: Number(i.strength_model), ...(face ? { face } : {}) };
      return {
        outputs: [
          { ...model, loras: [...model.loras, lora] },
          { loras: [...clip.loras, { name: String(i.lora_name), strength: Number(i.strength_clip) }] },
        ],
      };
    },
  },
  CLIPTextEncode: {
    inputs: { text: { literal: 'STRING' }, clip: { link: 'CLIP' } },
    outputs: ['CONDITIONING'],
    async run(i) {
      return { outputs: [{ text: String(i.text), loras: (i.clip as { loras: Lora[] }).loras, guidance: null } satisfies Conditioning] };
    },
  },
  FluxGuidance: {
    inputs: { conditioning: { link: 'CONDITIONING' }, guidance: { literal: 'FLOAT', min: 0, max: 100 } },
    outputs: ['CONDITIONING'],
    async run(i) {
      return { outputs: [{ ...(i.conditioning as Conditioning), guidance: Number(i.guidance) }] };
    },
  },
  EmptyLatentImage: {
    inputs: LATENT,
    outputs: ['LATENT'],
    async run(i) {
      return { outputs: [latent(i)] };
    },
  },
  EmptySD3LatentImage: {
    inputs: LATENT,
    outputs: ['LATENT'],
    async run(i) {
      return { outputs: [latent(i)] };
    },
  },
  KSampler: {
    inputs: {
      model: { link: 'MODEL' },
      seed: { literal: 'INT', min: 0, max: Number.MAX_SAFE_INTEGER }, // ComfyUI: 0xffffffffffffffff
      steps: { literal: 'INT', min: 1, max: 10000 },
      cfg: { literal: 'FLOAT', min: 0, max: 100 },
      sampler_name: { options: SAMPLERS },
      scheduler: { options: SCHEDULERS },
      positive: { link: 'CONDITIONING' },
      negative: { link: 'CONDITIONING' },
      latent_image: { link: 'LATENT' },
      denoise: { literal: 'FLOAT', min: 0, max: 1 },
    },
    outputs: ['LATENT'],
    async run(i, ctx) {
      const model = i.model as Model;
      await ctx.prepare({ baseModel: model.baseModel, loras: model.loras.map((l) => ({ name: l.name, strength: l.strength })) });
      await ctx.sample(Number(i.steps));
      const positive = i.positive as Conditioning;
      const picture: Picture = {
        baseModel: model.baseModel,
        loras: [...model.loras, ...positive.loras],
        prompt: positive.text,
        negative: (i.negative as Conditioning).text,
        guidance: positive.guidance,
        ...(i.latent_image as Latent),
        seed: Number(i.seed),
        sampling: `${String(i.steps)} ${String(i.cfg)} ${String(i.sampler_name)} ${String(i.scheduler)} ${String(i.denoise)}`,
      };
      return { outputs: [picture] };
    },
  },
  VAEDecode: {
    inputs: { samples: { link: 'LATENT' }, vae: { link: 'VAE' } },
    outputs: ['IMAGE'],
    async run(i) {
      return { outputs: [i.samples] };
    },
  },
  SaveImage: {
    inputs: { images: { link: 'IMAGE' }, filename_prefix: { literal: 'STRING' } },
    outputs: [],
    outputNode: true,
    async run(i, ctx) {
      return { outputs: [], ui: await ctx.save(i.images as Picture, String(i.filename_prefix)) };
    },
  },
};
