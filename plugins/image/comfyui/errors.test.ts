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
});
