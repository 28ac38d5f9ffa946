/**
 * Shapes shared by node definitions, validation and execution: input specs as ComfyUI's INPUT_TYPES() returns them,
 * the runtime values flowing between nodes (symbolic models, latents that remember how they were sampled, images
 * that render on demand), and the context a node runs in.
 */
import type { ModelFolders } from './model-folders';
import { type PyDict, type PyValue, type Jsonish } from './py';
import type { RgbImage } from './render';

/** `(TYPE,)` or `(TYPE, {options})`; a combo's TYPE is its list of allowed values. */
export type InputSpec = [string | PyValue[]] | [string | PyValue[], Record<string, Jsonish>];

export interface InputTypes {
  required: Record<string, InputSpec>;
  optional?: Record<string, InputSpec>;
  /** V1 hidden inputs are bare strings, V3 ones 1-tuples. */
  hidden?: Record<string, string | [string]>;
}

export interface NodeEnv {
  models: ModelFolders;
  inputDir: string;
  outputDir: string;
  tempDir: string;
}

export interface NodeDef {
  name: string;
  /** V3 nodes (comfy_api.latest.io) serialise slightly differently in /object_info. */
  v3: boolean;
  inputTypes(env: NodeEnv): InputTypes;
  returnTypes: string[];
  returnNames?: string[];
  outputTooltips?: (string | null)[];
  outputNode: boolean;
  category: string;
  description: string;
  displayName: string | null;
  pythonModule: string;
  /** Whether the node came from custom_nodes/ (skipped by --disable-all-custom-nodes). */
  customNode?: boolean;
  /** VALIDATE_INPUTS: the inputs it takes, and the check (true = ok, string = error text). */
  validate?: { inputs: string[]; fn(env: NodeEnv, values: Record<string, PyValue>): true | string | false };
  /** IS_CHANGED: a value joining the cache signature ('never' = always re-run). */
  isChanged?(env: NodeEnv, values: Record<string, PyValue>): string | 'never';
  run(ctx: NodeRunContext, inputs: Record<string, unknown>): Promise<NodeResult>;
}

export interface NodeResult {
  outputs: unknown[];
  /** UI data, e.g. {"images": [...]} */
  ui?: Map<string, Jsonish>;
}

export interface PreviewFrame {
  format: 'JPEG' | 'PNG';
  bytes: Buffer;
}

export interface NodeRunContext extends NodeEnv {
  nodeId: string;
  classType: string;
  disableMetadata: boolean;
  previewMethod: string;
  previewSize: number;
  /** Hidden PROMPT: the validated API graph. */
  prompt: PyDict;
  /** Hidden EXTRA_PNGINFO. */
  extraPnginfo: PyValue | undefined;
  /** A ProgressBar tick: interrupt check, progress_state + progress (+ preview frame). */
  progress(value: number, max: number, preview?: PreviewFrame): Promise<void>;
  /** The sampler's step loop: per-step delay, faults, interrupt, progress and optional latent previews. */
  sample(steps: number, preview: ((step: number) => Promise<PreviewFrame>) | null): Promise<void>;
  /** Fake VRAM bookkeeping. */
  loadModel(name: string, bytes: number): void;
  /** Per-node object cache (ComfyUI keeps node instances between prompts). */
  nodeObject<T>(make: () => T): T;
}

// ------------------------------------------------------------------ runtime values

let addressCounter = 0x7f3a2c1b4e10;
const nextAddress = () => {
  addressCounter += 0x1a0;
  return `0x${addressCounter.toString(16)}`;
};

/** Something that prints like a Python object in `current_inputs`. */
export abstract class PyObject {
  private readonly address = nextAddress();
  abstract readonly pyClass: string;
  toString(): string {
    return `<${this.pyClass} object at ${this.address}>`;
  }
}

export interface LoraUse {
  name: string;
  strengthModel: number;
  strengthClip: number | null;
}

export class ModelValue extends PyObject {
  readonly pyClass = 'comfy.model_patcher.ModelPatcher';
  constructor(
    readonly base: string,
    readonly family: 'flux' | 'sdxl' | 'unknown',
    readonly loras: LoraUse[] = [],
    readonly notes: string[] = [],
  ) {
    super();
  }
  with(extra: { lora?: LoraUse; note?: string }): ModelValue {
    return new ModelValue(this.base, this.family, extra.lora ? [...this.loras, extra.lora] : this.loras, extra.note ? [...this.notes, extra.note] : this.notes);
  }
}

export class ClipValue extends PyObject {
  readonly pyClass = 'comfy.sd.CLIP';
  constructor(
    readonly names: string[],
    readonly type: string,
    readonly loras: LoraUse[] = [],
  ) {
    super();
  }
}

export class VaeValue extends PyObject {
  readonly pyClass = 'comfy.sd.VAE';
  constructor(readonly name: string) {
    super();
  }
}

/** CONDITIONING: a list of [tensor, dict] pairs in ComfyUI; here the text and what shaped it. */
export class ConditioningValue {
  constructor(
    readonly text: string,
    readonly clip: ClipValue,
    readonly guidance: number | null = null,
  ) {}
  toString(): string {
    const g = this.guidance === null ? '' : `, 'guidance': ${this.guidance}`;
    return `[[tensor([[[-0.0390,  0.0112, -0.0281,  ...,  0.0195, -0.0459,  0.0312]]]), {'pooled_output': tensor([[-0.2470,  0.1162,  ..., -0.0781]])${g}}]]`;
  }
}

export interface Sampling {
  seed: bigint;
  steps: number;
  cfg: number | null;
  sampler: string;
  scheduler: string;
  denoise: number;
  model: ModelValue;
  positive: ConditioningValue;
  negative: ConditioningValue | null;
  node: string;
}

export class LatentValue {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly batch: number,
    readonly channels: number,
    readonly sampling: Sampling | null = null,
  ) {}
  toString(): string {
    return `{'samples': tensor([[[[0., 0., 0.,  ..., 0., 0., 0.]]]])}`;
  }
}

export class ImageValue {
  private readonly cache = new Map<number, Promise<RgbImage>>();
  constructor(
    readonly width: number,
    readonly height: number,
    readonly batch: number,
    private readonly render: (index: number) => Promise<RgbImage> | RgbImage,
  ) {}
  frame(index: number): Promise<RgbImage> {
    let p = this.cache.get(index);
    if (!p) {
      p = Promise.resolve(this.render(index));
      this.cache.set(index, p);
    }
    return p;
  }
  toString(): string {
    return `tensor([[[[0.5020, 0.4980, 0.5059],\n          ...]]])`;
  }
}

export class MaskValue {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  toString(): string {
    return 'tensor([[[0., 0., 0.,  ..., 0., 0., 0.]]])';
  }
}

export class NoiseValue extends PyObject {
  readonly pyClass = 'comfy_extras.nodes_custom_sampler.Noise_RandomNoise';
  constructor(readonly seed: bigint) {
    super();
  }
}

export class GuiderValue extends PyObject {
  readonly pyClass = 'comfy_extras.nodes_custom_sampler.Guider_Basic';
  constructor(
    readonly model: ModelValue,
    readonly conditioning: ConditioningValue,
  ) {
    super();
  }
}

export class SamplerValue extends PyObject {
  readonly pyClass = 'comfy.samplers.KSAMPLER';
  constructor(readonly name: string) {
    super();
  }
}

export class SigmasValue {
  constructor(
    readonly steps: number,
    readonly scheduler: string,
    readonly denoise: number,
  ) {}
  toString(): string {
    return 'tensor([1.0000, 0.9705, 0.9380,  ..., 0.0870, 0.0450, 0.0000])';
  }
}
