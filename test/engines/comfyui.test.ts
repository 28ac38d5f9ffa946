import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Character } from '../../lib/contracts/characters';
import type { Generation } from '../../lib/contracts/generations';
import type { Lora } from '../../lib/contracts/loras';
import type { BaseModel } from '../../lib/contracts/models';
import { pngSize, readPngText } from '../../lib/png-text';
import { freePort } from '../../temporal-dev/dev-server';
import { generate, waitForGeneration } from '../helpers/generation';
import { startHubServer, type HubServer } from '../helpers/hf-server';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import {
  ComfyUiProbe,
  loraFile,
  pixels,
  realComfyUi,
  registerSdxlLora,
  replaceFile,
  tinySdxlCatalogue,
  withUnreadableAlpha,
} from './helpers/comfyui';

/** CPU seconds, not GPU ones: a generation of the tiny model waits behind every other process of the machine. */
const GENERATION_TIMEOUT_MS = 240_000;
/** Small: the contract's smallest size, one or two sampling steps. */
const SMALL = { baseModel: 'sdxl', width: 256, height: 256, steps: 2, sampler: 'euler', scheduler: 'normal', guidance: 5 } as const;

const timings: Array<[string, number]> = [];
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([what, (Date.now() - started) / 1000]);
  }
}

describe('generation through the API with the real ComfyUI (CPU, tiny SD1.x model)', () => {
  const { env, model } = realComfyUi();
  let stack: TestStack;
  let hub: HubServer;
  let comfy: ComfyUiProbe;
  let character: Character;
  let lora: Lora;
  let batch: Generation;

  const image = async (url: string): Promise<Buffer> => {
    const res = await fetch(`${stack.plane.url}${url}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    return Buffer.from(await res.arrayBuffer());
  };
  const finished = (id: string) => waitForGeneration(stack, id, undefined, GENERATION_TIMEOUT_MS);

  beforeAll(async () => {
    hub = await startHubServer();
    const checkpoint = tinySdxlCatalogue(hub, readFileSync(model.checkpoint));
    stack = await startTestStack({ env: { ...env, HF_ENDPOINT: hub.endpoint }, models: [checkpoint.spec] });
    const comfyPort = await freePort();
    comfy = new ComfyUiProbe(`http://127.0.0.1:${comfyPort}`);
    await stack.startGpuWorker('gpu-real', { COMFYUI_PORT: String(comfyPort) });

    // The base model comes the way a person gets it: the Models page downloads it (here from the stand-in hub).
    await timed('provision the tiny checkpoint through the Models API', async () => {
      expect((await request(stack, '/api/models/sdxl/provision', { method: 'POST' })).status).toBe(202);
      await eventually(async () => {
        const m = (await request<BaseModel>(stack, '/api/models/sdxl')).body;
        if (m.state === 'failed') throw new Error(`provisioning failed: ${JSON.stringify(m.error)}`);
        return m.state === 'ready' ? m : undefined;
      }, 120_000, 'the tiny checkpoint to be provisioned');
    });
    character = (await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: 'Tiny' } })).body;
    lora = await registerSdxlLora(stack, character, readFileSync(model.lora), 1);
  });

  afterAll(async () => {
    await stack?.stop();
    await hub?.close();
    process.stdout.write(`\nReal ComfyUI timings (s): ${timings.map(([what, s]) => `${what}: ${s.toFixed(1)}`).join('; ')}\n`);
  });

  it('generates a batch with a LoRA: PNGs of the requested size with their parameters inside, a seed per image', async () => {
    const submitted = Date.now();
    const generation = await generate(stack, { ...SMALL, prompt: 'a lighthouse at dusk', negativePrompt: 'blurry', loraId: lora.id, loraStrength: 0.8, batch: 2, seed: 4242 });
    // ComfyUI starts with the first job of its GPU worker.
    void eventually(async () => ((await comfy.answers()) ? true : undefined), GENERATION_TIMEOUT_MS, 'ComfyUI to answer').then(
      () => timings.push(['ComfyUI cold start (from the first submission)', (Date.now() - submitted) / 1000]),
      () => undefined,
    );
    batch = await timed('batch of 2 with LoRA, cold (ComfyUI start and model load included)', () => finished(generation.id));

    expect(batch.error).toBeNull();
    expect(batch).toMatchObject({ status: 'completed', progress: 1 });
    expect(batch.parameters).toMatchObject({ baseModel: 'sdxl', width: 256, height: 256, steps: 2, seed: 4242, batch: 2, lora: { id: lora.id, strength: 0.8 } });
    expect(batch.outputs.map((o) => [o.index, o.width, o.height])).toEqual([
      [0, 256, 256],
      [1, 256, 256],
    ]);
    const [first, second] = await Promise.all(batch.outputs.map((o) => image(o.url)));
    for (const [output, png] of [
      [batch.outputs[0]!, first!],
      [batch.outputs[1]!, second!],
    ] as const) {
      expect(pngSize(png)).toEqual({ width: 256, height: 256 });
      const text = readPngText(png);
      expect(text.parameters).toContain('a lighthouse at dusk\nNegative prompt: blurry\n');
      expect(text.parameters).toContain(`Seed: ${output.seed}, Size: 256x256, Model: sdxl, LoRA: ${lora.name}`);
      expect(JSON.parse(text.isengard!)).toMatchObject({ generationId: generation.id, seed: output.seed, prompt: batch.parameters.prompt, steps: 2 });
      // ComfyUI's own record of the graph it ran, with the LoRA it loaded.
      expect(JSON.parse(text.prompt!)).toMatchObject({ '10': { class_type: 'LoraLoader', inputs: { lora_name: lora.fileName, strength_model: 0.8 } } });
    }
    expect(batch.outputs[0]!.seed).toBe(4242);
    expect(batch.outputs[1]!.seed).not.toBe(4242);
    // Two images of one batch are two different images.
    expect((await pixels(first!)).equals(await pixels(second!))).toBe(false);
  });

  it('re-runs image 2 of the batch from its recorded seed and gets the same pixels', async () => {
    const second = batch.outputs[1]!;
    const rerun = await request<Generation>(stack, `/api/generations/${batch.id}/rerun`, { method: 'POST', body: { seed: second.seed } });
    expect(rerun.status).toBe(202);
    const again = await timed('re-run of a batch of 2 from image 2\'s seed, warm', () => finished(rerun.body.id));
    expect(again.status).toBe('completed');
    expect(again.outputs[0]!.seed).toBe(second.seed);
    const [original, remade] = await Promise.all([image(second.url), image(again.outputs[0]!.url)]);
    expect((await pixels(remade)).equals(await pixels(original))).toBe(true);
  });

  it('cancels mid-run: the generation ends cancelled and ComfyUI stops sampling', async () => {
    const generation = await generate(stack, { ...SMALL, prompt: 'a long one', steps: 150, seed: 7 });
    await timed('cancel: from submission to sampling', () =>
      waitForGeneration(stack, generation.id, (g) => g.status === 'running' && g.progress > 0, GENERATION_TIMEOUT_MS),
    );
    await timed('cancel: from the request to cancelled', async () => {
      expect((await request(stack, `/api/generations/${generation.id}/cancel`, { method: 'POST' })).status).toBe(202);
      const cancelled = await finished(generation.id);
      expect(cancelled).toMatchObject({ status: 'cancelled', outputs: [] });
    });
    // The prompt was interrupted, not left to run its 150 steps: ComfyUI is idle and its history says so.
    await eventually(async () => ((await comfy.running()) === 0 ? true : undefined), 60_000, 'ComfyUI to be idle');
    const prompts = await eventually(async () => {
      const found = await comfy.promptsOf(generation.id);
      return found.length > 0 ? found : undefined;
    }, 30_000, 'the interrupted prompt in ComfyUI\'s history');
    expect(prompts.map((p) => [p.status, p.interrupted])).toEqual([['error', true]]);
  });

  it('retries an execution error in a new prompt of its own, and the retry makes the image', async () => {
    // A LoRA ComfyUI accepts at validation and fails on while loading it (a RuntimeError, not a damaged file) ...
    const flaky = await registerSdxlLora(stack, character, withUnreadableAlpha(readFileSync(model.lora)), 2);
    const generation = await generate(stack, { ...SMALL, steps: 1, prompt: 'second time lucky', loraId: flaky.id, seed: 99 });
    const done = await timed('retried execution error, until completed', async () => {
      const failed = await eventually(async () => {
        const prompts = await comfy.promptsOf(generation.id);
        return prompts.find((p) => p.status === 'error');
      }, GENERATION_TIMEOUT_MS, 'the first attempt to fail in ComfyUI');
      expect(failed.error).toEqual({ exceptionType: 'RuntimeError', nodeType: 'LoraLoader' });
      // ... which is readable again before the retry (Temporal waits a second before it).
      replaceFile(loraFile(stack, flaky), { copyOf: model.lora });
      return finished(generation.id);
    });
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.outputs).toHaveLength(1);
    const prompts = await comfy.promptsOf(generation.id);
    // Every attempt submitted a prompt under an id of its own; the last one made the image.
    expect(new Set(prompts.map((p) => p.promptId)).size).toBe(prompts.length);
    expect(prompts.length).toBeGreaterThanOrEqual(2);
    expect(prompts.at(-1)!.status).toBe('success');
    expect(prompts.slice(0, -1).every((p) => p.error?.nodeType === 'LoraLoader')).toBe(true);
  });

  it('explains a LoRA whose file is missing, by name, without running anything', async () => {
    const gone = await registerSdxlLora(stack, character, readFileSync(model.lora), 3);
    rmSync(loraFile(stack, gone));
    const generation = await generate(stack, { ...SMALL, steps: 1, prompt: 'nothing to load', loraId: gone.id, seed: 5 });
    const failed = await timed('missing LoRA, until failed', () => finished(generation.id));
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('missing_model');
    expect(failed.error?.message).toContain(gone.fileName);
    expect(failed.error?.message).toMatch(/train again|pick another LoRA/);
    // ComfyUI refused the graph at validation: nothing of it ran.
    expect(await comfy.promptsOf(generation.id)).toEqual([]);
  });

  it('explains a truncated LoRA file by name, without retrying it', async () => {
    const bytes = readFileSync(model.lora);
    const cut = await registerSdxlLora(stack, character, bytes.subarray(0, Math.floor(bytes.length / 2)), 4);
    const generation = await generate(stack, { ...SMALL, steps: 1, prompt: 'half a file', loraId: cut.id, seed: 6 });
    const failed = await timed('truncated LoRA, until failed', () => finished(generation.id));
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('corrupt_model');
    expect(failed.error?.message).toContain(cut.fileName);
    expect(failed.error?.message).toContain('damaged or incomplete');
    const prompts = await comfy.promptsOf(generation.id);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]!.error).toEqual({ exceptionType: expect.stringContaining('SafetensorError'), nodeType: 'LoraLoader' });
  });

  it('explains a truncated base model by name, though ComfyUI had loaded the file before under that name', async () => {
    const target = path.join(stack.config.storage.baseModels, 'checkpoints', 'sd_xl_base_1.0.safetensors');
    replaceFile(target, readFileSync(target).subarray(0, 1024 * 1024));
    try {
      const generation = await generate(stack, { ...SMALL, steps: 1, prompt: 'a damaged model', seed: 8 });
      const failed = await timed('truncated base model, until failed', () => finished(generation.id));
      expect(failed.status).toBe('failed');
      expect(failed.error?.code).toBe('corrupt_model');
      expect(failed.error?.message).toContain('sd_xl_base_1.0.safetensors');
      expect(failed.error?.message).toContain('download it again');
      const prompts = await comfy.promptsOf(generation.id);
      expect(prompts).toHaveLength(1);
      expect(prompts[0]!.error).toEqual({ exceptionType: expect.stringContaining('SafetensorError'), nodeType: 'CheckpointLoaderSimple' });
    } finally {
      replaceFile(target, { copyOf: model.checkpoint });
    }
  });
});
