import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputs } from '../db/schema';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { Generation } from '../lib/contracts/generations';
import { pictureLikenessSchema, type PictureLikeness } from '../lib/contracts/likeness';
import type { Lora } from '../lib/contracts/loras';
import { generate, waitForGeneration } from './helpers/generation';
import { request } from './helpers/http';
import { eventually, startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished as trainingFinished, startTraining, waitForTraining } from './helpers/training';

type Page = { items: Generation[]; nextCursor: string | null };
/** The gallery as it is now: past the API's short-lived list cache. */
const gallery = (stack: TestStack, query: string) => request<Page>(stack, `/api/generations?${query}`, { headers: { 'cache-control': 'no-cache' } });

describe('the likeness of generated pictures, in the gallery', () => {
  let stack: TestStack;
  let lora: Lora;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '20' } });
    await stack.startGpuWorker('gpu-likeness');
    const character = await characterWithPhotos(stack, 'Ada', 2);
    const run = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000 });
    lora = (await request<Lora>(stack, `/api/loras/${(await waitForTraining(stack, run.id, trainingFinished)).loraId}`)).body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("scores a completed generation's pictures after it completed, and none of a generation without a character", async () => {
    const plain = await waitForGeneration(stack, (await generate(stack, { prompt: 'a lighthouse', steps: 4, seed: 3 })).id);
    const generation = await generate(stack, { prompt: 'portrait in a garden', loraId: lora.id, batch: 2, steps: 4, seed: 5 });
    const completed = await waitForGeneration(stack, generation.id);
    expect(completed.status).toBe('completed');

    // The scores follow the pictures: every picture gets one, whatever the simulated engine drew.
    const scored = await eventually(
      async () => {
        const current = (await request<Generation>(stack, `/api/generations/${generation.id}`)).body;
        return current.outputs.every((o) => o.likeness !== null) ? current : undefined;
      },
      60_000,
      'the likeness of both pictures',
    );
    for (const output of scored.outputs) {
      expect(pictureLikenessSchema.parse(output.likeness)).toMatchObject({ scorer: expect.stringMatching(/^face-api@/) });
    }
    // Scored one at a time in order: the generation made before without a LoRA would have been scored by now.
    expect((await request<Generation>(stack, `/api/generations/${plain.id}`)).body.outputs.map((o) => o.likeness)).toEqual([null]);
  });

  it('sorts the gallery by likeness and keeps the recognisable ones only, and refuses bad choices', async () => {
    // Started one after another, so that "newest first" has one answer.
    const started: Generation[] = [];
    for (const seed of [1, 2, 3]) started.push(await generate(stack, { prompt: `likeness ${seed}`, loraId: lora.id, steps: 4, seed }));
    const made = await Promise.all(started.map((g) => waitForGeneration(stack, g.id)));
    // Scores set directly (what the simulated engine draws is not what this checks), once the scorer has had its turn.
    for (const g of made) await eventually(async () => ((await request<Generation>(stack, `/api/generations/${g.id}`)).body.outputs[0]!.likeness ? true : undefined), 60_000);
    const set = (g: Generation, similarity: number, recognisable: boolean) =>
      stack.db.db
        .update(outputs)
        .set({ likeness: { scorer: 'face-api@1', status: 'scored', similarity, recognisable, faces: 1, copyOf: null, scoredAt: new Date().toISOString() } satisfies PictureLikeness })
        .where(and(eq(outputs.generationId, g.id), eq(outputs.index, 0)));
    await set(made[0]!, 0.97, true);
    await set(made[1]!, 0.99, true);
    await set(made[2]!, 0.5, false);

    const byLikeness = await gallery(stack, `loraId=${lora.id}&sort=likeness&limit=1`);
    expect(byLikeness.status).toBe(200);
    expect(byLikeness.body.items.map((g) => g.id)).toEqual([made[1]!.id]);
    const second = await gallery(stack, `loraId=${lora.id}&sort=likeness&limit=1&cursor=${byLikeness.body.nextCursor}`);
    expect(second.body.items.map((g) => g.id)).toEqual([made[0]!.id]);

    // Newest first; the pictures the scorer itself found recognisable (if the simulated engine drew the person) too.
    const recognisable = (await gallery(stack, `loraId=${lora.id}&recognisable=true&limit=100`)).body.items;
    const ids = recognisable.map((g) => g.id);
    expect(ids.filter((id) => made.some((g) => g.id === id))).toEqual([made[1]!.id, made[0]!.id]);
    expect(recognisable.every((g) => g.outputs.some((o) => o.likeness?.recognisable))).toBe(true);

    const refused: Array<[string, string]> = [
      ['sort=best', 'sort must be one of: newest, likeness'],
      ['recognisable=yes', 'recognisable must be true or false'],
      [`sort=likeness&cursor=${(await gallery(stack, `loraId=${lora.id}&limit=1`)).body.nextCursor}`, 'cursor belongs to the newest order, not to sort=likeness'],
    ];
    for (const [query, message] of refused) {
      const res = await request<ApiErrorBody>(stack, `/api/generations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
  });
});
