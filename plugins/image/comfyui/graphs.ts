import type { GenerationParams } from '../../../lib/contracts/generations';

/** One node of a ComfyUI API-format graph (comfyui.md §4.1); links are `[nodeId, outputIndex]`. */
export interface GraphNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title: string };
}
export type Graph = Record<string, GraphNode>;

/** The base model files the graphs load, as ComfyUI lists them in its model folders. */
export const MODEL_FILES = {
  fluxUnet: 'flux1-dev.safetensors',
  fluxT5: 't5xxl_fp16.safetensors',
  fluxClipL: 'clip_l.safetensors',
  fluxVae: 'ae.safetensors',
  sdxlCheckpoint: 'sd_xl_base_1.0.safetensors',
} as const;

/** A per-job output prefix, so ComfyUI's cache can never hand back an earlier job's files (§4.6). */
export function filenamePrefix(jobId: string): string {
  return `isengard/${jobId}/img`;
}

/** Isengard's folder inside the LoRA folder where a run's checkpoints appear as LoRAs (model-files.ts links them). */
export const CHECKPOINT_LORAS = 'training-checkpoints';

/**
 * The `lora_name` ComfyUI knows a generation's LoRA by: a registered LoRA's file, or for a training checkpoint
 * `training-checkpoints/<run>/<file>` (a link to the checkpoint; one name per file, so ComfyUI's cache keys stay apart).
 */
export function loraName(lora: NonNullable<GenerationParams['lora']>): string {
  if (!lora.checkpoint) return lora.fileName;
  return `${CHECKPOINT_LORAS}/${lora.checkpoint.runId}/${lora.fileName.split('/').at(-1)}`;
}

const node = (class_type: string, inputs: Record<string, unknown>, title: string): GraphNode => ({ class_type, inputs, _meta: { title } });

/** FLUX.1-dev + LoRA, the KSampler variant of comfyui.md §5(a). Without a LoRA the loaders feed the rest directly. */
export function fluxGraph(p: GenerationParams, jobId: string): Graph {
  const graph: Graph = {
    '1': node('UNETLoader', { unet_name: MODEL_FILES.fluxUnet, weight_dtype: 'default' }, 'FLUX.1-dev'),
    '2': node('DualCLIPLoader', { clip_name1: MODEL_FILES.fluxT5, clip_name2: MODEL_FILES.fluxClipL, type: 'flux' }, 'Text encoders'),
    '3': node('VAELoader', { vae_name: MODEL_FILES.fluxVae }, 'VAE'),
  };
  let model: [string, number] = ['1', 0];
  let clip: [string, number] = ['2', 0];
  if (p.lora) {
    graph['4'] = node(
      'LoraLoader',
      { model, clip, lora_name: loraName(p.lora), strength_model: p.lora.strength, strength_clip: p.lora.strength },
      `LoRA ${p.lora.name}`,
    );
    model = ['4', 0];
    clip = ['4', 1];
  }
  Object.assign(graph, {
    '5': node('CLIPTextEncode', { text: p.prompt, clip }, 'Prompt'),
    '6': node('FluxGuidance', { conditioning: ['5', 0], guidance: p.guidance }, 'Guidance'),
    // KSampler needs a negative input; at cfg 1.0 it has no effect on FLUX.
    '7': node('CLIPTextEncode', { text: '', clip }, 'Empty negative'),
    '8': node('EmptySD3LatentImage', { width: p.width, height: p.height, batch_size: p.batch }, 'Size'),
    '9': node(
      'KSampler',
      {
        model,
        seed: p.seed,
        steps: p.steps,
        cfg: 1.0,
        sampler_name: p.sampler,
        scheduler: p.scheduler,
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['8', 0],
        denoise: 1.0,
      },
      'Sampler',
    ),
    '10': node('VAEDecode', { samples: ['9', 0], vae: ['3', 0] }, 'Decode'),
    '11': node('SaveImage', { images: ['10', 0], filename_prefix: filenamePrefix(jobId) }, 'Save'),
  });
  return graph;
}

/** SDXL + LoRA, comfyui.md §5(b). */
export function sdxlGraph(p: GenerationParams, jobId: string): Graph {
  const graph: Graph = {
    '4': node('CheckpointLoaderSimple', { ckpt_name: MODEL_FILES.sdxlCheckpoint }, 'SDXL base'),
  };
  let model: [string, number] = ['4', 0];
  let clip: [string, number] = ['4', 1];
  if (p.lora) {
    graph['10'] = node(
      'LoraLoader',
      { model, clip, lora_name: loraName(p.lora), strength_model: p.lora.strength, strength_clip: p.lora.strength },
      `LoRA ${p.lora.name}`,
    );
    model = ['10', 0];
    clip = ['10', 1];
  }
  Object.assign(graph, {
    '6': node('CLIPTextEncode', { text: p.prompt, clip }, 'Prompt'),
    '7': node('CLIPTextEncode', { text: p.negativePrompt, clip }, 'Negative prompt'),
    '5': node('EmptyLatentImage', { width: p.width, height: p.height, batch_size: p.batch }, 'Size'),
    '3': node(
      'KSampler',
      {
        model,
        seed: p.seed,
        steps: p.steps,
        cfg: p.guidance,
        sampler_name: p.sampler,
        scheduler: p.scheduler,
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
        denoise: 1.0,
      },
      'Sampler',
    ),
    '8': node('VAEDecode', { samples: ['3', 0], vae: ['4', 2] }, 'Decode'),
    '9': node('SaveImage', { images: ['8', 0], filename_prefix: filenamePrefix(jobId) }, 'Save'),
  });
  return graph;
}

export function buildGraph(p: GenerationParams, jobId: string): Graph {
  return p.baseModel === 'sdxl' ? sdxlGraph(p, jobId) : fluxGraph(p, jobId);
}

/** The SaveImage node of a graph (its `executed` message lists the batch's images). */
export function saveNodeId(p: GenerationParams): string {
  return p.baseModel === 'sdxl' ? '9' : '11';
}

/** The sampler node of a graph (its progress ticks are the generation's progress). */
export function samplerNodeId(p: GenerationParams): string {
  return p.baseModel === 'sdxl' ? '3' : '9';
}
