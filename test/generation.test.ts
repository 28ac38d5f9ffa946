import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Generation } from '../lib/contracts/generations';
import type { Lora } from '../lib/contracts/loras';
import { logFilePath } from '../lib/logger/logger';
import { readPngText, pngSize } from '../lib/png-text';
import { request } from './helpers/http';
import { generate, waitForGeneration } from './helpers/generation';
import { startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished as trainingFinished, startTraining, waitForTraining } from './helpers/training';

async function image(stack: TestStack, url: string): Promise<Buffer> {
  const res = await fetch(`${stack.plane.url}${url}`);
  expect(res.headers.get('content-type')).toBe('image/png');
  return Buffer.from(await res.arrayBuffer());
}

describe('image generation through ComfyUI (simulated), as durable workflows', () => {
  let stack: TestStack;
  let lora: Lora;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '20' } });
    await stack.startGpuWorker('gpu-gen');
    const character = await characterWithPhotos(stack, 'Ada', 2);
    const run = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 });
    const trained = await waitForTraining(stack, run.id, trainingFinished);
    lora = (await request<Lora>(stack, `/api/loras/${trained.loraId}`)).body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('generates a batch with a trained LoRA: PNGs of the requested size with their parameters inside', async () => {
    const generation = await generate(stack, { prompt: 'portrait in a garden, golden hour', loraId: lora.id, loraStrength: 0.8, aspect: 'portrait', batch: 2, seed: 1234, steps: 8 });
    expect(generation).toMatchObject({ status: 'queued', loraId: lora.id, characterId: lora.characterId });
    expect(generation.parameters).toMatchObject({
      prompt: `${lora.triggerWord}, portrait in a garden, golden hour`,
      userPrompt: 'portrait in a garden, golden hour',
      baseModel: 'flux1-dev',
      width: 896,
      height: 1152,
      seed: 1234,
      batch: 2,
      lora: { id: lora.id, strength: 0.8, fileName: lora.fileName },
    });

    const finished = await waitForGeneration(stack, generation.id);
    expect(finished.error).toBeNull();
    expect(finished).toMatchObject({ status: 'completed', progress: 1 });
    expect(finished.outputs.map((o) => [o.index, o.width, o.height, o.seed])).toEqual([
      [0, 896, 1152, 1234],
      [1, 896, 1152, 1235],
    ]);
    for (const output of finished.outputs) {
      const png = await image(stack, output.url);
      expect(pngSize(png)).toEqual({ width: 896, height: 1152 });
      const text = readPngText(png);
      expect(text.parameters).toContain(`Seed: ${output.seed}, Size: 896x1152, Model: flux1-dev, LoRA: ${lora.name}`);
      expect(JSON.parse(text.isengard!)).toMatchObject({ generationId: generation.id, seed: output.seed, prompt: finished.parameters.prompt });
    }
  });

  it("makes each picture of a batch again from its own recorded seed: the same pixels, not the batch's neighbour", async () => {
    const batch = await waitForGeneration(stack, (await generate(stack, { prompt: 'a harbour at dawn', loraId: lora.id, batch: 3, seed: 500, steps: 4 })).id);
    expect(batch.outputs.map((o) => o.seed)).toEqual([500, 501, 502]);
    const again = await request<Generation>(stack, `/api/generations/${batch.id}/rerun`, { method: 'POST', body: { outputId: batch.outputs[2]!.id } });
    expect(again.status).toBe(202);
    expect(again.body.parameters).toMatchObject({ seed: 502, batch: 1 });
    const single = await waitForGeneration(stack, again.body.id);
    expect(single.outputs.map((o) => o.seed)).toEqual([502]);
    const [third, second, remade] = await Promise.all(
      [batch.outputs[2]!, batch.outputs[1]!, single.outputs[0]!].map(async (o) => sharp(await image(stack, o.url)).raw().toBuffer()),
    );
    expect(remade!.equals(third!)).toBe(true);
    expect(remade!.equals(second!)).toBe(false);

    const varied = await request<Generation>(stack, `/api/generations/${batch.id}/rerun`, { method: 'POST', body: { outputId: batch.outputs[1]!.id, varySeed: true } });
    expect(varied.body.parameters.batch).toBe(1);
    expect(varied.body.parameters.seed).not.toBe(501);
    const foreign = await request<ApiErrorBody>(stack, `/api/generations/${varied.body.id}/rerun`, { method: 'POST', body: { outputId: batch.outputs[0]!.id } });
    expect(foreign.status).toBe(404);
    await waitForGeneration(stack, varied.body.id);
  });

  it('refuses bad parameters with the reason', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prompt: '' }, 'prompt: Write a prompt'],
      [{ prompt: 'x', width: 1000, height: 1000 }, 'width: Width must be a multiple of 16 for FLUX.1-dev (got 1000)'],
      [{ prompt: 'x', width: 1024 }, 'height: Give both width and height, or neither'],
      [{ prompt: 'x', negativePrompt: 'blurry' }, 'negativePrompt: FLUX.1-dev does not use a negative prompt; leave it empty or choose SDXL'],
      [{ prompt: 'x', batch: 9 }, 'batch: Batch can be at most 8'],
      [{ prompt: 'x', sampler: 'fastest' }, 'sampler: Unknown sampler'],
    ];
    for (const [body, message] of cases) {
      const res = await request<ApiErrorBody>(stack, '/api/generations', { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    const unknownLora = await request<ApiErrorBody>(stack, '/api/generations', { method: 'POST', body: { prompt: 'x', loraId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownLora.body.error.message).toBe('No LoRA with this id: it may have been deleted');
    const wrongModel = await request<ApiErrorBody>(stack, '/api/generations', { method: 'POST', body: { prompt: 'x', loraId: lora.id, baseModel: 'sdxl' } });
    expect(wrongModel.body.error.message).toBe('This LoRA was trained for flux1-dev; it cannot be used with sdxl');
  });

  it('cancels mid-generation', async () => {
    const generation = await generate(stack, { prompt: 'a long one', loraId: lora.id, steps: 150, seed: 7 });
    await waitForGeneration(stack, generation.id, (g) => g.status === 'running' && g.progress > 0);
    expect((await request(stack, `/api/generations/${generation.id}/cancel`, { method: 'POST' })).status).toBe(202);
    const cancelled = await waitForGeneration(stack, generation.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.outputs).toEqual([]);
    expect((await request(stack, `/api/generations/${generation.id}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('is moved from status to status by its workflow alone, under the correlation id of the request', async () => {
    const correlationId = randomUUID();
    const generation = await generate(stack, { prompt: 'quick one', steps: 4, seed: 11 }, { 'X-Correlation-ID': correlationId });
    const done = await waitForGeneration(stack, generation.id);
    expect(done.status).toBe('completed');
    // Running once a GPU worker took it, completed with its images: each written once, by a control activity of the
    // workflow, under the POST's correlation id (carried through the workflow).
    const lines = readFileSync(logFilePath(stack.config.log.dir, 'worker'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(generation.id) && /"generation\.(running|completed)"/.test(line))
      .map((line) => JSON.parse(line) as { event: string; correlation_id: string; context: Record<string, unknown> });
    expect(lines.map((l) => [l.event, l.correlation_id])).toEqual([
      ['generation.running', correlationId],
      ['generation.completed', correlationId],
    ]);
    expect(lines[0]!.context).toMatchObject({ generationId: generation.id, workerId: 'gpu-gen' });

    // The internal API takes progress from the worker running it, never an outcome.
    const token = readFileSync(path.join(stack.config.storage.root, '.internal-token'), 'utf8');
    const internal = (url: string, body: unknown, auth = true) =>
      request<ApiErrorBody>(stack, url, { method: 'POST', headers: auth ? { authorization: `Bearer ${token}` } : {}, body });
    expect((await internal(`/internal/generations/${generation.id}/outputs`, { workerId: 'gpu-gen', images: [] })).status).toBe(404);
    expect((await internal(`/internal/generations/${generation.id}/running`, { workerId: 'gpu-gen' })).status).toBe(404);
    const late = await internal(`/internal/generations/${generation.id}/progress`, { workerId: 'gpu-gen', progress: 0.5 });
    expect([late.status, late.body.error.message]).toEqual([409, 'This generation is not running on that worker']);
    expect((await internal(`/internal/generations/${generation.id}/progress`, { workerId: 'gpu-gen', progress: 2 })).status).toBe(400);
    expect((await internal(`/internal/generations/${generation.id}/progress`, { workerId: 'gpu-gen', progress: 0.5 }, false)).status).toBe(401);
    expect((await request<Generation>(stack, `/api/generations/${generation.id}`)).body).toEqual(done);
  });

  it('waits behind a training run on the same GPU, saying so, and starts when the GPU is free', async () => {
    const character = await characterWithPhotos(stack, 'Grace', 2);
    const run = await startTraining(stack, character.id, { steps: 3000, saveEvery: 1000, sampleEvery: 5000 });
    await waitForTraining(stack, run.id, (r) => r.phase === 'training');
    const generation = await generate(stack, { prompt: 'behind the training', seed: 3, steps: 4 });
    const waiting = await waitForGeneration(stack, generation.id, (g) => g.waitingFor !== null, 10_000);
    expect(waiting).toMatchObject({ status: 'queued', waitingFor: 'waiting for the GPU: training of Grace' });
    await request(stack, `/api/trainings/${run.id}/stop`, { method: 'POST' });
    const finished = await waitForGeneration(stack, generation.id);
    expect(finished.status).toBe('completed');
  });

  it('re-runs with the same parameters or a new seed, lists the gallery by page and filter, and deletes', async () => {
    const first = await waitForGeneration(stack, (await generate(stack, { prompt: 'gallery item', loraId: lora.id, seed: 42, steps: 4 })).id);
    const same = await request<Generation>(stack, `/api/generations/${first.id}/rerun`, { method: 'POST', body: {} });
    expect(same.status).toBe(202);
    expect(same.body.parameters).toEqual(first.parameters);
    expect(same.body.sourceGenerationId).toBe(first.id);
    const varied = await request<Generation>(stack, `/api/generations/${first.id}/rerun`, { method: 'POST', body: { varySeed: true } });
    expect(varied.body.parameters.seed).not.toBe(42);
    await waitForGeneration(stack, same.body.id);
    await waitForGeneration(stack, varied.body.id);
    const sameImage = await image(stack, (await waitForGeneration(stack, same.body.id)).outputs[0]!.url);
    const firstImage = await image(stack, first.outputs[0]!.url);
    expect(readPngText(sameImage).parameters).toBe(readPngText(firstImage).parameters);

    const page1 = await request<{ items: Generation[]; nextCursor: string | null }>(stack, `/api/generations?loraId=${lora.id}&limit=2`);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0]!.id).toBe(varied.body.id);
    const page2 = await request<{ items: Generation[]; nextCursor: string | null }>(stack, `/api/generations?loraId=${lora.id}&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((g) => g.id)).not.toContain(varied.body.id);
    const all = await request<{ items: Generation[] }>(stack, `/api/generations?characterId=${lora.characterId}&limit=100`);
    expect(all.body.items.every((g) => g.characterId === lora.characterId)).toBe(true);
    expect((await request(stack, '/api/generations?cursor=nonsense')).status).toBe(400);

    expect((await request(stack, `/api/generations/${first.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(stack, `/api/generations/${first.id}`)).status).toBe(404);
    expect((await fetch(`${stack.plane.url}${first.outputs[0]!.url}`)).status).toBe(404);
  });
});
