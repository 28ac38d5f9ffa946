import { http, HttpResponse } from 'msw';
import {
  generationInput,
  outputPatch,
  outputRerunInput,
  outputsDeleteInput,
  resolveGenerationParams,
  rerunInput,
  type Generation,
} from '../../../../../lib/contracts/generations';
import { buildGeneration } from '../../fixtures/generations';
import { db } from '../db';
import { apiError, notFound, validationFailed } from '../responses';

/** Newest first, like the API; the cursor is the index of the next item (opaque to the client). */
function page(items: Generation[], limit: number, cursor: string | null) {
  const start = cursor ? Number(cursor) : 0;
  const slice = items.slice(start, start + limit);
  return { items: slice, nextCursor: start + limit < items.length ? String(start + limit) : null };
}

/** Like the API: all or none; a generation goes with its last picture. */
function deletePictures(ids: string[]) {
  const known = new Set(db.generations.flatMap((g) => g.outputs.map((o) => o.id)));
  if (!ids.every((id) => known.has(id))) return notFound('Picture');
  db.deletedOutputs.push(...ids);
  db.generations = db.generations
    .map((g) => ({ ...g, outputs: g.outputs.filter((o) => !ids.includes(o.id)) }))
    .filter((g) => g.status !== 'completed' || g.outputs.length > 0);
  return new HttpResponse(null, { status: 204 });
}

export const generationHandlers = [
  http.get('/api/generations', ({ request }) => {
    const url = new URL(request.url);
    const characterId = url.searchParams.get('characterId');
    const loraId = url.searchParams.get('loraId');
    const recognisable = url.searchParams.get('recognisable') === 'true';
    // Like the API: by likeness, each generation by its most alike picture, unscored ones last, then newest first.
    const best = (g: Generation) => Math.max(-1, ...g.outputs.map((o) => (o.likeness?.status === 'scored' ? (o.likeness.similarity ?? -1) : -1)));
    const favourite = url.searchParams.get('favourite') === 'true';
    db.galleryQueries.push(url.searchParams.toString());
    const items = db.generations
      .filter((g) => (!characterId || g.characterId === characterId) && (!loraId || g.loraId === loraId))
      .filter((g) => !recognisable || g.outputs.some((o) => o.likeness?.recognisable))
      .filter((g) => !favourite || g.outputs.some((o) => o.favourite))
      .map((g) => (favourite ? { ...g, outputs: g.outputs.filter((o) => o.favourite) } : g))
      .sort((a, b) => (url.searchParams.get('sort') === 'likeness' ? best(b) - best(a) : 0) || b.createdAt.localeCompare(a.createdAt));
    return HttpResponse.json(page(items, Number(url.searchParams.get('limit') ?? 24), url.searchParams.get('cursor')));
  }),

  http.post('/api/generations', async ({ request }) => {
    const body = await request.json();
    const parsed = generationInput.safeParse(body);
    if (!parsed.success) return validationFailed(parsed.error.issues);
    db.generationRequests.push(body as never);
    const lora = parsed.data.loraId ? db.loras.find((l) => l.id === parsed.data.loraId) : undefined;
    if (parsed.data.loraId && !lora) return apiError(400, { code: 'validation_failed', message: 'No LoRA with this id' });
    const params = resolveGenerationParams(parsed.data, lora ? { ...lora, baseModel: lora.baseModel } : null, () => 42);
    const generation = buildGeneration({ status: 'queued', parameters: params, characterId: lora?.characterId ?? null, createdAt: new Date().toISOString() });
    db.generations.push(generation);
    return HttpResponse.json(generation, { status: 202 });
  }),

  http.get('/api/generations/:id', ({ params }) => {
    const generation = db.generations.find((g) => g.id === params.id);
    return generation ? HttpResponse.json(generation) : notFound('Generation');
  }),

  http.post('/api/generations/:id/rerun', async ({ params, request }) => {
    const source = db.generations.find((g) => g.id === params.id);
    if (!source) return notFound('Generation');
    const body = await request.json();
    db.rerunRequests.push({ id: String(params.id), body });
    const options = rerunInput.parse(body);
    const output = options.outputId === undefined ? undefined : source.outputs.find((o) => o.id === options.outputId);
    if (options.outputId !== undefined && !output) return notFound('Picture');
    const recorded = output ? { seed: output.seed, batch: 1 } : { seed: source.parameters.seed, batch: source.parameters.batch };
    const seed = options.seed ?? (options.varySeed ? recorded.seed + 1000 : recorded.seed);
    const generation = buildGeneration({
      status: 'queued',
      parameters: { ...source.parameters, seed, batch: recorded.batch },
      characterId: source.characterId,
      sourceGenerationId: source.id,
      createdAt: new Date().toISOString(),
    });
    db.generations.push(generation);
    return HttpResponse.json(generation, { status: 202 });
  }),

  http.post('/api/generations/:id/cancel', ({ params }) => {
    const generation = db.generations.find((g) => g.id === params.id);
    if (!generation) return notFound('Generation');
    if (generation.status !== 'queued' && generation.status !== 'running') {
      return apiError(409, { code: 'conflict', message: `This generation has already ${generation.status === 'cancelled' ? 'been cancelled' : generation.status}` });
    }
    db.cancels.push(generation.id);
    // Like the API: the request is noted at once; the workflow ends the generation a moment later.
    const noted: Generation = { ...generation, cancelRequestedAt: generation.cancelRequestedAt ?? new Date().toISOString() };
    db.generations = db.generations.map((g) => (g.id === generation.id ? noted : g));
    return HttpResponse.json(noted, { status: 202 });
  }),

  http.patch('/api/outputs/:id', async ({ params, request }) => {
    const { favourite } = outputPatch.parse(await request.json());
    const generation = db.generations.find((g) => g.outputs.some((o) => o.id === params.id));
    if (!generation) return notFound('Picture');
    const outputs = generation.outputs.map((o) => (o.id === params.id ? { ...o, favourite } : o));
    db.generations = db.generations.map((g) => (g.id === generation.id ? { ...g, outputs } : g));
    return HttpResponse.json(outputs.find((o) => o.id === params.id));
  }),

  http.post('/api/outputs/:id/rerun', async ({ params, request }) => {
    const { mode } = outputRerunInput.parse(await request.json());
    const source = db.generations.find((g) => g.outputs.some((o) => o.id === params.id));
    const output = source?.outputs.find((o) => o.id === params.id);
    if (!source || !output) return notFound('Picture');
    db.outputReruns.push({ id: output.id, mode });
    const generation = buildGeneration({
      status: 'queued',
      parameters: { ...source.parameters, seed: mode === 'exact' ? output.seed : output.seed + 1000, batch: 1 },
      characterId: source.characterId,
      sourceGenerationId: source.id,
      createdAt: new Date().toISOString(),
    });
    db.generations.push(generation);
    return HttpResponse.json(generation, { status: 202 });
  }),

  http.post('/api/outputs/delete', async ({ request }) => {
    const { ids } = outputsDeleteInput.parse(await request.json());
    return deletePictures(ids);
  }),

  http.delete('/api/outputs/:id', ({ params }) => deletePictures([String(params.id)])),

  http.delete('/api/generations/:id', ({ params }) => {
    const before = db.generations.length;
    db.generations = db.generations.filter((g) => g.id !== params.id);
    return db.generations.length < before ? new HttpResponse(null, { status: 204 }) : notFound('Generation');
  }),
];
