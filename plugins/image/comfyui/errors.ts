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

/** A runtime failure inside ComfyUI, in plain words. */
export function explainExecutionError(
  exceptionType: string,
  message: string,
): { code: 'oom' | 'missing_model' | 'engine_error'; message: string; retryable: boolean } {
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
