import type { ComfyValidationError, NodeError } from './client';

/** Model-file inputs of the loaders in our graphs, and what a person would call the file. */
const MODEL_INPUTS: Record<string, string> = {
  lora_name: 'LoRA',
  unet_name: 'FLUX.1-dev model',
  clip_name1: 'T5 text encoder',
  clip_name2: 'CLIP text encoder',
  vae_name: 'VAE',
  ckpt_name: 'SDXL model',
};

export interface ExplainedError {
  /** `missing_model` when a file the graph needs is not in ComfyUI's folders; `invalid_graph` otherwise (a bug). */
  code: 'missing_model' | 'invalid_graph';
  message: string;
}

function explainNodeError(error: NodeError): ExplainedError {
  const input = error.extra_info?.input_name;
  if (error.type === 'value_not_in_list' && input && MODEL_INPUTS[input]) {
    const what = MODEL_INPUTS[input];
    const file = String(error.extra_info?.received_value ?? '');
    return input === 'lora_name'
      ? { code: 'missing_model', message: `The LoRA file ${file} is not in ComfyUI's LoRA folder: it may have been deleted; train again or pick another LoRA.` }
      : { code: 'missing_model', message: `The ${what} file ${file} is missing: download the base models on the Models page.` };
  }
  return { code: 'invalid_graph', message: `ComfyUI refused the job: ${error.message}${error.details ? ` (${error.details})` : ''}.` };
}

/** Turns ComfyUI's validation answer into one message a person understands (missing files first). */
export function explainValidation(err: ComfyValidationError): ExplainedError {
  const explained = Object.values(err.nodeErrors).flatMap((node) => node.errors.map(explainNodeError));
  const missing = explained.filter((e) => e.code === 'missing_model');
  if (missing.length > 0) return { code: 'missing_model', message: [...new Set(missing.map((e) => e.message))].join(' ') };
  if (explained[0]) return explained[0];
  return { code: 'invalid_graph', message: `ComfyUI refused the job: ${err.message}.` };
}

/** The node that failed, as ComfyUI's `execution_error` names it: its class and its literal inputs. */
export interface FailedNode {
  nodeType: string;
  inputs: Record<string, unknown>;
}

/**
 * A model file safetensors could not read: its header is invalid or the file is shorter than its header says
 * (comfyui.md §10). Older safetensors words ("HeaderTooLarge") reach us wrapped in ComfyUI's own ValueError.
 */
function isCorruptFile(exceptionType: string, message: string): boolean {
  return /SafetensorError/.test(exceptionType) || /HeaderTooLarge|MetadataIncompleteBuffer|safetensors file is corrupt/.test(message);
}

/** What to tell a person about a loader whose file is damaged: which file, and what to do about it. */
function explainCorruptFile(node: FailedNode | undefined, why: string): string {
  const files = Object.entries(node?.inputs ?? {}).filter(([input, value]) => MODEL_INPUTS[input] && typeof value === 'string') as Array<[string, string]>;
  const lora = files.find(([input]) => input === 'lora_name');
  if (lora) {
    return `The LoRA file ${lora[1]} is damaged or incomplete (${why}): train the LoRA again, or delete it and pick another LoRA.`;
  }
  if (files.length === 0) return `A model file is damaged or incomplete (${why}): download the base models again on the Models page.`;
  const named = files.map(([input, file]) => `the ${MODEL_INPUTS[input]} file ${file}`).join(' or ');
  return `${named[0]!.toUpperCase()}${named.slice(1)} is damaged or incomplete (${why}): download it again on the Models page.`;
}

/** A runtime failure inside ComfyUI, in plain words; `node` (the failing node) names a damaged file. */
export function explainExecutionError(
  exceptionType: string,
  message: string,
  node?: FailedNode,
): { code: 'oom' | 'missing_model' | 'corrupt_model' | 'engine_error'; message: string; retryable: boolean } {
  if (isCorruptFile(exceptionType, message)) {
    return { code: 'corrupt_model', message: explainCorruptFile(node, message.split('\n')[0]!.trim()), retryable: false };
  }
  if (/out of memory/i.test(message) || /OutOfMemory/i.test(exceptionType)) {
    return {
      code: 'oom',
      message: 'The GPU ran out of memory while generating. Try a smaller size or a smaller batch.',
      retryable: false,
    };
  }
  if (/FileNotFoundError/.test(exceptionType)) {
    return { code: 'missing_model', message: `A model file disappeared while generating: ${message}`, retryable: false };
  }
  return { code: 'engine_error', message: `ComfyUI failed while generating: ${message.split('\n')[0]}`, retryable: true };
}
