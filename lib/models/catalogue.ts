import type { ModelId, ModelKind } from '../contracts/models';

/** One file to provision: where it comes from on Hugging Face and where it goes under `models/base/`. */
export interface ModelFileSpec {
  /** Unique within its model, e.g. `transformer`. */
  id: string;
  label: string;
  /** Hugging Face repository, `owner/name`. */
  repo: string;
  /** Branch, tag or commit. */
  revision: string;
  /**
   * `revision` is a branch to pin at the model's first download: it is resolved to its current commit, which is
   * recorded, and every such file of the model is fetched from that one commit (also on later retries). Needed for
   * files whose hashes are not pinned here and that may be kept in git (not LFS): their ETag is only trustworthy at
   * a commit (remote.ts).
   */
  pinToCommit?: boolean;
  /** Path of the file inside the repository. */
  path: string;
  /** Relative to `models/base/`: the folders ComfyUI's `extra_model_paths.yaml` maps (plugins/image/comfyui). */
  target: string;
  /**
   * Expected size and sha256. The values below were cross-checked against several independent public records of
   * these exact files; Hugging Face itself was not reachable when they were written. They pin the content: the
   * download also asks Hugging Face (the `x-linked-size` / `x-linked-etag` headers of the resolve URL carry the
   * size and sha256 of an LFS file) and refuses a file that differs from the pin. `null` = take the value Hugging
   * Face announces at run time for the pinned commit and verify the bytes against that: the sha256 of an LFS file,
   * the git blob id of a small file kept in git (remote.ts).
   */
  sizeBytes: number | null;
  sha256: string | null;
  /** The repository asks every user to accept a licence before it serves files (needs HF_TOKEN). */
  gated: boolean;
}

export interface BaseModelSpec {
  id: ModelId;
  /** Absent: a base model. */
  kind?: ModelKind;
  label: string;
  description: string;
  /** The model's page on Hugging Face, where its licence is (and, when gated, accepted). */
  pageUrl: string;
  licence: string;
  files: ModelFileSpec[];
}

export type ModelCatalogue = readonly BaseModelSpec[];

const FLUX_REPO = 'black-forest-labs/FLUX.1-dev';
const FLUX_ENCODERS_REPO = 'comfyanonymous/flux_text_encoders';
const SDXL_REPO = 'stabilityai/stable-diffusion-xl-base-1.0';

/**
 * The base models Isengard generates with, in the single-file layout the ComfyUI graphs load
 * (plugins/image/comfyui/graphs.ts MODEL_FILES; a test keeps the two in step).
 */
export const BASE_MODEL_CATALOGUE: ModelCatalogue = [
  {
    id: 'flux1-dev',
    label: 'FLUX.1-dev',
    description: 'The model identity LoRAs are trained for, and the default for generation. About 34 GB in four files.',
    pageUrl: `https://huggingface.co/${FLUX_REPO}`,
    licence: 'FLUX.1 [dev] Non-Commercial License',
    files: [
      {
        id: 'transformer',
        label: 'Transformer (the image model)',
        repo: FLUX_REPO,
        revision: 'main',
        path: 'flux1-dev.safetensors',
        target: 'diffusion_models/flux1-dev.safetensors',
        sizeBytes: 23_802_932_552,
        sha256: '4610115bb0c89560703c892c59ac2742fa821e60ef5871b33493ba544683abd7',
        gated: true,
      },
      {
        id: 'autoencoder',
        label: 'Autoencoder (VAE)',
        repo: FLUX_REPO,
        revision: 'main',
        path: 'ae.safetensors',
        target: 'vae/ae.safetensors',
        sizeBytes: 335_304_388,
        sha256: 'afc8e28272cd15db3919bacdb6918ce9c1ed22e96cb12c4d5ed0fba823529e38',
        gated: true,
      },
      {
        id: 'clip-l',
        label: 'Text encoder CLIP-L',
        repo: FLUX_ENCODERS_REPO,
        revision: 'main',
        path: 'clip_l.safetensors',
        target: 'text_encoders/clip_l.safetensors',
        sizeBytes: 246_144_152,
        sha256: '660c6f5b1abae9dc498ac2d21e1347d2abdb0cf6c0c0c8576cd796491d9a6cdd',
        gated: false,
      },
      {
        id: 't5-xxl',
        label: 'Text encoder T5-XXL (fp16)',
        repo: FLUX_ENCODERS_REPO,
        revision: 'main',
        path: 't5xxl_fp16.safetensors',
        target: 'text_encoders/t5xxl_fp16.safetensors',
        sizeBytes: 9_787_841_024,
        sha256: '6e480b09fae049a72d2a8c5fbccb8d3e92febeb233bbe9dfe7256958a9167635',
        gated: false,
      },
    ],
  },
  {
    id: 'sdxl',
    label: 'SDXL base 1.0',
    description: 'Stable Diffusion XL, for LoRAs trained on it. About 7 GB in one file.',
    pageUrl: `https://huggingface.co/${SDXL_REPO}`,
    licence: 'CreativeML Open RAIL++-M',
    files: [
      {
        id: 'checkpoint',
        label: 'Checkpoint (model, text encoders and VAE)',
        repo: SDXL_REPO,
        revision: 'main',
        path: 'sd_xl_base_1.0.safetensors',
        target: 'checkpoints/sd_xl_base_1.0.safetensors',
        sizeBytes: 6_938_078_334,
        sha256: '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b',
        gated: false,
      },
    ],
  },
];

const QWEN3_VL_REPO = 'Qwen/Qwen3-VL-4B-Instruct';
/** Under models/base/; plugins/captioning/ai-toolkit loads the model from this folder. */
export const CAPTIONER_FOLDER = 'captioners/Qwen3-VL-4B-Instruct';

/**
 * A file of the captioner, fetched from the commit `main` pointed to at the first download. Hugging Face itself was
 * not reachable when this list was written: it is the layout the Qwen3-VL releases publish (the sibling 2B and 8B
 * repositories have the same files; public configurations that load the 4B model name its two shards) and what
 * ai-toolkit's Qwen3VLCaptioner reads from a folder: `AutoModelForImageTextToText.from_pretrained` (configuration,
 * generation settings, shard index, shards) and `AutoProcessor.from_pretrained` (image and video processor settings,
 * tokenizer files, chat template).
 */
function captionerFile(id: string, label: string, file: string): ModelFileSpec {
  return { id, label, repo: QWEN3_VL_REPO, revision: 'main', pinToCommit: true, path: file, target: `${CAPTIONER_FOLDER}/${file}`, sizeBytes: null, sha256: null, gated: false };
}

/** Models that are not for generation or training: the vision-language model "Write captions" runs (issue 24). */
export const CAPTIONER_CATALOGUE: ModelCatalogue = [
  {
    id: 'qwen3-vl-4b-instruct',
    kind: 'captioner',
    label: 'Qwen3-VL-4B-Instruct (captioner)',
    description: 'The vision-language model that writes captions for training photos ("Write captions"). About 9 GB in twelve files.',
    pageUrl: `https://huggingface.co/${QWEN3_VL_REPO}`,
    licence: 'Apache 2.0',
    files: [
      captionerFile('config', 'Model configuration', 'config.json'),
      captionerFile('generation-config', 'Generation settings', 'generation_config.json'),
      captionerFile('preprocessor-config', 'Image processor settings', 'preprocessor_config.json'),
      captionerFile('video-preprocessor-config', 'Video processor settings', 'video_preprocessor_config.json'),
      captionerFile('chat-template', 'Chat template', 'chat_template.json'),
      captionerFile('tokenizer', 'Tokenizer', 'tokenizer.json'),
      captionerFile('tokenizer-config', 'Tokenizer settings', 'tokenizer_config.json'),
      captionerFile('vocab', 'Tokenizer vocabulary', 'vocab.json'),
      captionerFile('merges', 'Tokenizer merges', 'merges.txt'),
      captionerFile('weights-index', 'Index of the weight shards', 'model.safetensors.index.json'),
      captionerFile('weights-1', 'Weights, part 1 of 2', 'model-00001-of-00002.safetensors'),
      captionerFile('weights-2', 'Weights, part 2 of 2', 'model-00002-of-00002.safetensors'),
    ],
  },
];

/** Everything the Models page offers. */
export const MODEL_CATALOGUE: ModelCatalogue = [...BASE_MODEL_CATALOGUE, ...CAPTIONER_CATALOGUE];

export function findModel(catalogue: ModelCatalogue, id: string): BaseModelSpec | undefined {
  return catalogue.find((m) => m.id === id);
}

const COMMIT_ID = /^[0-9a-f]{40}$/;

/** A full git commit id: content at it never changes. */
export function isCommitId(revision: string): boolean {
  return COMMIT_ID.test(revision);
}

/** A file whose branch is still to be resolved to a commit (see `pinToCommit`). */
export function needsCommitPin(file: Pick<ModelFileSpec, 'pinToCommit' | 'revision'>): boolean {
  return file.pinToCommit === true && !isCommitId(file.revision);
}

/** The commit in a resolve URL (`…/resolve/<commit>/…`), if it names one. */
export function commitOfResolveUrl(url: string): string | undefined {
  const m = /\/resolve\/([0-9a-f]{40})\//.exec(url);
  return m?.[1];
}

// Workflows import this module: it stays free of Node APIs.

/** The row id of a file's provisioning state. */
export function modelFileKey(modelId: string, fileId: string): string {
  return `${modelId}/${fileId}`;
}

/** Deterministic, so a second click joins the running download instead of starting another (design §4). */
export function provisionWorkflowId(modelId: string): string {
  return `models-${modelId}`;
}

/** `<endpoint>/<repo>/resolve/<revision>/<path>`, the URL huggingface_hub downloads from. */
export function resolveUrl(endpoint: string, file: Pick<ModelFileSpec, 'repo' | 'revision' | 'path'>): string {
  const pathPart = file.path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${pathPart}`;
}
