import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { MAX_BULK_OUTPUTS, type Generation, type GenerationOutput } from '../../lib/contracts/generations';
import { readPngText } from '../../lib/png-text';
import { getOutput } from '../../db/repositories/generations';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';
import { readZip } from '../helpers/zip';

type Page = { items: Generation[]; nextCursor: string | null };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('the gallery: one picture at a time, favourites, several at once', () => {
  let stack: TestStack;
  let batch: Generation;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '5' } });
    await stack.startGpuWorker('gpu-gallery');
    batch = await waitForGeneration(stack, (await generate(stack, { prompt: 'a red kite over the dunes', batch: 4, seed: 9000, steps: 2, aspect: 'square' })).id);
    expect(batch.status).toBe('completed');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function pixels(url: string): Promise<Buffer> {
    return sharp(Buffer.from(await (await fetch(`${stack.plane.url}${url}`)).arrayBuffer())).raw().toBuffer();
  }

  it('makes one picture again exactly (its own seed, every parameter), or a variation with a new seed', async () => {
    const third = batch.outputs[2]!;
    const exact = await request<Generation>(stack, `/api/outputs/${third.id}/rerun`, { method: 'POST', body: { mode: 'exact' } });
    expect(exact.status).toBe(202);
    expect(exact.body.parameters).toEqual({ ...batch.parameters, seed: third.seed, batch: 1 });
    expect(exact.body.sourceGenerationId).toBe(batch.id);
    const made = await waitForGeneration(stack, exact.body.id);
    expect(made.outputs.map((o) => o.seed)).toEqual([9002]);
    expect((await pixels(made.outputs[0]!.url)).equals(await pixels(third.url))).toBe(true);

    const varied = await request<Generation>(stack, `/api/outputs/${third.id}/rerun`, { method: 'POST', body: { mode: 'vary' } });
    expect(varied.status).toBe(202);
    expect(varied.body.parameters).toEqual({ ...batch.parameters, seed: varied.body.parameters.seed, batch: 1 });
    expect(varied.body.parameters.seed).not.toBe(third.seed);
    await waitForGeneration(stack, varied.body.id);

    const bad = await request<ApiErrorBody>(stack, `/api/outputs/${third.id}/rerun`, { method: 'POST', body: { mode: 'again' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('mode must be exact or vary');
    expect((await request(stack, `/api/outputs/${UNKNOWN}/rerun`, { method: 'POST', body: { mode: 'exact' } })).status).toBe(404);
  });

  it('marks favourites, and the gallery filters by favourite and by date', async () => {
    const [first, second] = batch.outputs;
    const marked = await request<GenerationOutput>(stack, `/api/outputs/${second!.id}`, { method: 'PATCH', body: { favourite: true } });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id: second!.id, favourite: true });
    expect((await request(stack, `/api/outputs/${first!.id}`, { method: 'PATCH', body: { favourite: 'yes' } })).status).toBe(400);
    expect((await request(stack, `/api/outputs/${UNKNOWN}`, { method: 'PATCH', body: { favourite: true } })).status).toBe(404);

    const favourites = (await request<Page>(stack, '/api/generations?favourite=true')).body.items;
    expect(favourites.map((g) => g.id)).toEqual([batch.id]);
    expect(favourites[0]!.outputs.map((o) => o.id)).toEqual([second!.id]);
    const whole = (await request<Generation>(stack, `/api/generations/${batch.id}`)).body;
    expect(whole.outputs.map((o) => o.favourite)).toEqual([false, true, false, false]);

    await request(stack, `/api/outputs/${second!.id}`, { method: 'PATCH', body: { favourite: false } });
    expect((await request<Page>(stack, '/api/generations?favourite=true')).body.items).toEqual([]);

    const made = Date.parse(batch.createdAt);
    const around = (from: number, to: number) =>
      request<Page>(stack, `/api/generations?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&limit=100`);
    expect((await around(made - 1000, made + 1)).body.items.map((g) => g.id)).toEqual([batch.id]);
    expect((await around(made + 1, made + 60 * 60_000)).body.items.map((g) => g.id)).not.toContain(batch.id);
    const badDate = await request<ApiErrorBody>(stack, '/api/generations?from=yesterday');
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.message).toContain('from must be a date and time');
  });

  it('downloads chosen pictures as one zip, each PNG with its parameters inside', async () => {
    const chosen = [batch.outputs[0]!, batch.outputs[3]!];
    const res = await fetch(`${stack.plane.url}/api/outputs/archive?ids=${chosen.map((o) => o.id).join(',')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('isengard-2-pictures.zip');
    const entries = readZip(Buffer.from(await res.arrayBuffer()));
    expect([...entries.keys()].map((name) => name.replace(/^\d{8}-\d{6}_/, ''))).toEqual([
      `${batch.id.slice(0, 8)}_1_seed9000.png`,
      `${batch.id.slice(0, 8)}_4_seed9003.png`,
    ]);
    for (const [name, png] of entries) {
      const seed = Number(/seed(\d+)/.exec(name)![1]);
      expect(readPngText(png).parameters).toContain(`Seed: ${seed}, Size: 1024x1024`);
    }

    const unknown = await request<ApiErrorBody>(stack, `/api/outputs/archive?ids=${chosen[0]!.id},${UNKNOWN}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain(UNKNOWN);
    const tooMany = Array.from({ length: MAX_BULK_OUTPUTS + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const refused = await request<ApiErrorBody>(stack, '/api/outputs/delete', { method: 'POST', body: { ids: tooMany } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(`At most ${MAX_BULK_OUTPUTS} pictures at once`);
    expect((await request(stack, '/api/outputs/archive?ids=')).status).toBe(400);
  });

  it('deletes one picture (its file and row), several at once (all or none), and the generation with its last picture', async () => {
    const [first, second, third, fourth] = batch.outputs;
    const fileOf = async (id: string) => path.join(stack.config.storage.root, (await getOutput(stack.db.db, id))!.filePath);
    const firstFile = await fileOf(first!.id);
    expect(existsSync(firstFile)).toBe(true);

    expect((await request(stack, `/api/outputs/${first!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(firstFile)).toBe(false);
    expect((await request(stack, first!.url)).status).toBe(404);
    expect((await request<Generation>(stack, `/api/generations/${batch.id}`)).body.outputs.map((o) => o.id)).toEqual([second!.id, third!.id, fourth!.id]);
    expect((await request(stack, `/api/outputs/${first!.id}`, { method: 'DELETE' })).status).toBe(404);

    // One unknown id: nothing is deleted.
    const partly = await request<ApiErrorBody>(stack, '/api/outputs/delete', { method: 'POST', body: { ids: [second!.id, first!.id] } });
    expect(partly.status).toBe(404);
    expect(partly.body.error.message).toContain(first!.id);
    expect((await request<Generation>(stack, `/api/generations/${batch.id}`)).body.outputs).toHaveLength(3);

    expect((await request(stack, '/api/outputs/delete', { method: 'POST', body: { ids: [second!.id, third!.id] } })).status).toBe(204);
    expect((await request<Generation>(stack, `/api/generations/${batch.id}`)).body.outputs.map((o) => o.id)).toEqual([fourth!.id]);
    expect((await request(stack, `/api/outputs/${fourth!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(stack, `/api/generations/${batch.id}`)).status).toBe(404);
  });
});
