import { http, HttpResponse } from 'msw';
import type { DeletionImpact } from '../../../../../lib/contracts/character-impact';
import { isGoodPhoto, PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import type { TrainingEstimate } from '../../../../../lib/contracts/training-estimate';
import { PRESETS, PRESET_IDS, type PresetId } from '../../../../../lib/contracts/training';
import { db } from '../db';
import { apiError, notFound } from '../responses';

const ACTIVE = new Set(['queued', 'running']);

/** The fake API's estimate: an H100 at its published speed (tests wanting another answer use server.use). */
export function fakeEstimate(steps: number): TrainingEstimate {
  return {
    seconds: Math.round(steps * 1.5 + 600),
    basis: 'table',
    gpuName: 'NVIDIA H100 80GB HBM3',
    secondsPerStep: 1.5,
    samplingSeconds: 420,
    startupSeconds: 180,
    measuredRuns: 0,
  };
}

/** Like the API's photo gate (api/trainings/photo-gate.ts): null when the training may start. */
export function photoGate(characterId: string, name: string, confirmFewPhotos: boolean) {
  const good = db.photos.filter((p) => p.characterId === characterId && isGoodPhoto(p)).length;
  if (good === 0) return apiError(422, { code: 'validation_failed', message: `${name} has no usable photos: upload photos (or include excluded ones), then start the training.` });
  const recommended = PHOTO_LIMITS.recommended.min;
  if (good < recommended && !confirmFewPhotos) {
    return apiError(409, {
      code: 'confirmation_required',
      message: `Fewer than ${recommended} good photos (${good}): the model may not look like ${name}. Add photos, or train anyway (confirmFewPhotos: true).`,
      details: { goodPhotos: good, recommended, confirm: 'confirmFewPhotos' },
    });
  }
  return null;
}

export function deletionImpactOf(characterId: string): DeletionImpact {
  const runs = db.trainingRuns.filter((r) => r.characterId === characterId);
  const generations = db.generations.filter((g) => g.characterId === characterId);
  return {
    photos: db.photos.filter((p) => p.characterId === characterId).length,
    trainingRuns: runs.length,
    loras: db.loras.filter((l) => l.characterId === characterId).length,
    generations: generations.length,
    pictures: generations.reduce((n, g) => n + g.outputs.length, 0),
    activeTrainings: runs.filter((r) => ACTIVE.has(r.status)).map((r) => ({ id: r.id, status: r.status as 'queued' | 'running' })),
    activeGenerations: generations.filter((g) => ACTIVE.has(g.status)).map((g) => ({ id: g.id, status: g.status as 'queued' | 'running' })),
  };
}

/** Before a long run: the duration estimate, and what deleting a character takes with it. */
export const preRunHandlers = [
  http.get('/api/trainings/estimate', ({ request }) => {
    const query = new URL(request.url).searchParams;
    const preset = query.get('preset') as PresetId;
    if (!PRESET_IDS.includes(preset)) return apiError(400, { code: 'validation_failed', message: 'Invalid query: preset must be one of: quick, balanced, high' });
    return HttpResponse.json(fakeEstimate(Number(query.get('steps') ?? PRESETS[preset].settings.steps)));
  }),

  http.get('/api/characters/:id/deletion-impact', ({ params }) => {
    const character = db.characters.find((c) => c.id === params.id);
    return character ? HttpResponse.json(deletionImpactOf(character.id)) : notFound('Character');
  }),
];
