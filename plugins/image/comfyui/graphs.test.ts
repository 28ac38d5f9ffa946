import { describe, expect, it } from 'vitest';
import { resolveGenerationParams } from '../../../lib/contracts/generations';
import { buildGraph, filenamePrefix, samplerNodeId } from './graphs';

const lora = { id: '11111111-1111-4111-8111-111111111111', fileName: 'char/ada-v1.safetensors', name: 'Ada v1', triggerWord: 'ada_x1', baseModel: 'flux1-dev' as const };

describe('graph templates (comfyui.md §5)', () => {
  it('FLUX.1-dev + LoRA: the KSampler variant with core nodes only, a per-job prefix, every link in place', () => {
    const params = resolveGenerationParams({ prompt: 'a portrait', loraId: lora.id, loraStrength: 0.7, aspect: 'portrait', seed: 99, batch: 2 }, lora, () => 0);
    const graph = buildGraph(params, 'job-1');
    expect(Object.fromEntries(Object.entries(graph).map(([id, n]) => [id, n.class_type]))).toEqual({
      '1': 'UNETLoader',
      '2': 'DualCLIPLoader',
      '3': 'VAELoader',
      '4': 'LoraLoader',
      '5': 'CLIPTextEncode',
      '6': 'FluxGuidance',
      '7': 'CLIPTextEncode',
      '8': 'EmptySD3LatentImage',
      '9': 'KSampler',
      '10': 'VAEDecode',
      '11': 'SaveImage',
    });
    expect(graph['4']!.inputs).toEqual({ model: ['1', 0], clip: ['2', 0], lora_name: 'char/ada-v1.safetensors', strength_model: 0.7, strength_clip: 0.7 });
    expect(graph['5']!.inputs).toEqual({ text: 'ada_x1, a portrait', clip: ['4', 1] });
    expect(graph['8']!.inputs).toEqual({ width: 896, height: 1152, batch_size: 2 });
    expect(graph['9']!.inputs).toMatchObject({ model: ['4', 0], seed: 99, steps: 28, cfg: 1, sampler_name: 'euler', scheduler: 'simple' });
    expect(graph['11']!.inputs).toEqual({ images: ['10', 0], filename_prefix: filenamePrefix('job-1') });
    expect(filenamePrefix('job-1')).toBe('isengard/job-1/img');
    expect(samplerNodeId(params)).toBe('9');
  });

  it('without a LoRA the loaders feed the encoders and sampler directly', () => {
    const graph = buildGraph(resolveGenerationParams({ prompt: 'x', seed: 1 }, null, () => 0), 'j');
    expect(graph['4']).toBeUndefined();
    expect(graph['5']!.inputs.clip).toEqual(['2', 0]);
    expect(graph['9']!.inputs.model).toEqual(['1', 0]);
  });

  it('SDXL + LoRA (§5b), with its negative prompt and CFG', () => {
    const params = resolveGenerationParams({ prompt: 'x', negativePrompt: 'blurry', baseModel: 'sdxl', seed: 3 }, { ...lora, baseModel: 'sdxl' }, () => 0);
    const graph = buildGraph(params, 'j');
    expect(graph['4']!.class_type).toBe('CheckpointLoaderSimple');
    expect(graph['10']!.inputs).toMatchObject({ model: ['4', 0], clip: ['4', 1] });
    expect(graph['7']!.inputs).toEqual({ text: 'blurry', clip: ['10', 1] });
    expect(graph['3']!.inputs).toMatchObject({ model: ['10', 0], cfg: 7, sampler_name: 'dpmpp_2m', scheduler: 'karras' });
    expect(graph['8']!.inputs).toEqual({ samples: ['3', 0], vae: ['4', 2] });
  });
});
