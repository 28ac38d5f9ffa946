import { describe, expect, it } from 'vitest';
import { ComfyValidationError } from './client';
import { explainExecutionError, explainValidation } from './errors';

const notInList = (input: string, value: string) => ({
  type: 'value_not_in_list',
  message: 'Value not in list',
  details: `${input}: '${value}' not in []`,
  extra_info: { input_name: input, received_value: value },
});

describe('ComfyUI errors in plain words', () => {
  it('names a missing LoRA or base model file', () => {
    const lora = new ComfyValidationError('prompt_outputs_failed_validation', { '4': { class_type: 'LoraLoader', errors: [notInList('lora_name', 'c/ada-v1.safetensors')] } }, 'Prompt outputs failed validation');
    expect(explainValidation(lora)).toEqual({
      code: 'missing_model',
      message: "The LoRA file c/ada-v1.safetensors is not in ComfyUI's LoRA folder: it may have been deleted; train again or pick another LoRA.",
    });
    const base = new ComfyValidationError('prompt_outputs_failed_validation', { '1': { class_type: 'UNETLoader', errors: [notInList('unet_name', 'flux1-dev.safetensors')] } }, 'x');
    expect(explainValidation(base).message).toBe('The FLUX.1-dev model file flux1-dev.safetensors is missing: download the base models on the Models page.');
  });

  it('reports anything else as a refused job', () => {
    const other = new ComfyValidationError('prompt_outputs_failed_validation', { '9': { class_type: 'KSampler', errors: [{ type: 'value_bigger_than_max', message: 'Value 20000 bigger than max of 10000', details: 'steps' }] } }, 'x');
    expect(explainValidation(other)).toEqual({ code: 'invalid_graph', message: 'ComfyUI refused the job: Value 20000 bigger than max of 10000 (steps).' });
  });

  it('turns a CUDA out-of-memory into advice, and keeps other runtime errors retryable', () => {
    expect(explainExecutionError('torch.OutOfMemoryError', 'CUDA out of memory. Tried to allocate 2.00 GiB')).toMatchObject({ code: 'oom', retryable: false });
    expect(explainExecutionError('RuntimeError', 'something odd\nTraceback...')).toEqual({ code: 'engine_error', message: 'ComfyUI failed while generating: something odd', retryable: true });
  });

  it('names a damaged model or LoRA file and says what to do, never retrying', () => {
    const type = 'safetensors._safetensors_rust.SafetensorError';
    const lora = explainExecutionError(type, 'Error while deserializing header: header too large\n', {
      nodeType: 'LoraLoader',
      inputs: { model: null, clip: null, lora_name: 'c/ada-v1.safetensors', strength_model: 1, strength_clip: 1 },
    });
    expect(lora).toEqual({
      code: 'corrupt_model',
      message: 'The LoRA file c/ada-v1.safetensors is damaged or incomplete (Error while deserializing header: header too large): train the LoRA again, or delete it and pick another LoRA.',
      retryable: false,
    });
    const unet = explainExecutionError(type, 'Error while deserializing header: incomplete metadata, file not fully covered', {
      nodeType: 'UNETLoader',
      inputs: { unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' },
    });
    expect(unet).toEqual({
      code: 'corrupt_model',
      message:
        'The FLUX.1-dev model file flux1-dev.safetensors is damaged or incomplete (Error while deserializing header: incomplete metadata, file not fully covered): download it again on the Models page.',
      retryable: false,
    });
    const encoders = explainExecutionError(type, 'Error while deserializing header: header too large', {
      nodeType: 'DualCLIPLoader',
      inputs: { clip_name1: 't5xxl_fp16.safetensors', clip_name2: 'clip_l.safetensors', type: 'flux' },
    });
    expect(encoders.message).toBe(
      'The T5 text encoder file t5xxl_fp16.safetensors or the CLIP text encoder file clip_l.safetensors is damaged or incomplete (Error while deserializing header: header too large): download it again on the Models page.',
    );
    // Older safetensors words, wrapped in ComfyUI's own ValueError.
    const wrapped = explainExecutionError('ValueError', 'Error while deserializing header: HeaderTooLarge\n\nFile path: /m/vae/ae.safetensors\n\nThe safetensors file is corrupt or invalid.', {
      nodeType: 'VAELoader',
      inputs: { vae_name: 'ae.safetensors' },
    });
    expect(wrapped).toMatchObject({ code: 'corrupt_model', retryable: false });
    expect(wrapped.message).toMatch(/^The VAE file ae\.safetensors is damaged or incomplete/);
  });
});
