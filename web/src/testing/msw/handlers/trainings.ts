import { http, HttpResponse } from 'msw';
import { resolveSettings, startTrainingInput, type TrainingRun } from '../../../../../lib/contracts/training';
import { buildCheckpoint, buildLora, buildTrainingRun } from '../../fixtures/trainings';
import { db } from '../db';
import { photoGate } from './pre-run';
import { apiError, notFound, validationFailed } from '../responses';

const active = (run: TrainingRun) => run.status === 'queued' || run.status === 'running';

export const trainingHandlers = [
  http.get('/api/characters/:id/trainings', ({ params }) =>
    HttpResponse.json({ items: db.trainingRuns.filter((r) => r.characterId === params.id) }),
  ),

  http.post('/api/characters/:id/trainings', async ({ params, request }) => {
    const characterId = String(params.id);
    const character = db.characters.find((c) => c.id === characterId);
    if (!character) return notFound('Character');
    const body = await request.json();
    const parsed = startTrainingInput.safeParse(body);
    if (!parsed.success) return validationFailed(parsed.error.issues);
    db.trainingRequests.push(parsed.data);
    if (db.trainingRuns.some((r) => r.characterId === characterId && active(r))) {
      return apiError(409, { code: 'conflict', message: `${character.name} is already training` });
    }
    const refused = photoGate(characterId, character.name, parsed.data.confirmFewPhotos === true);
    if (refused) return refused;
    const settings = resolveSettings(parsed.data.preset, parsed.data.advanced);
    const run = buildTrainingRun({ characterId, preset: parsed.data.preset, settings, totalSteps: settings.steps });
    db.trainingRuns.push(run);
    return HttpResponse.json(run, { status: 202 });
  }),

  http.get('/api/trainings/:id', ({ params }) => {
    const run = db.trainingRuns.find((r) => r.id === params.id);
    return run ? HttpResponse.json(run) : notFound('Training run');
  }),

  http.post('/api/trainings/:id/stop', ({ params }) => {
    const run = db.trainingRuns.find((r) => r.id === params.id);
    if (!run) return notFound('Training run');
    if (!active(run)) return apiError(409, { code: 'conflict', message: 'This training has already finished' });
    db.stops.push(run.id);
    // Like the API: the request is noted at once (a running run shows "stopping"); the workflow ends it later.
    const noted: TrainingRun = {
      ...run,
      stopRequestedAt: run.stopRequestedAt ?? new Date().toISOString(),
      phase: run.status === 'running' ? 'stopping' : run.phase,
      itPerSec: null,
      etaSeconds: null,
    };
    db.trainingRuns = db.trainingRuns.map((r) => (r.id === run.id ? noted : r));
    return HttpResponse.json(noted, { status: 202 });
  }),

  http.post('/api/trainings/:id/save-now', ({ params }) => {
    const run = db.trainingRuns.find((r) => r.id === params.id);
    if (!run) return notFound('Training run');
    return HttpResponse.json({ requested: true }, { status: 202 });
  }),

  http.get('/api/trainings/:id/checkpoints', ({ params }) => {
    const run = db.trainingRuns.find((r) => r.id === params.id);
    if (!run) return notFound('Training run');
    const stored = db.checkpoints[run.id];
    if (stored) return HttpResponse.json({ items: stored });
    const steps = run.lastCheckpointStep === null ? [] : [run.lastCheckpointStep];
    return HttpResponse.json({ items: steps.map((step) => buildCheckpoint(run.id, { step })) });
  }),

  http.post('/api/trainings/:id/checkpoints/:which/lora', ({ params }) => {
    const run = db.trainingRuns.find((r) => r.id === params.id);
    if (!run) return notFound('Training run');
    const which = String(params.which);
    db.checkpointLoraRequests.push({ runId: run.id, which });
    const checkpoint = db.checkpoints[run.id]?.find((c) => (which === 'final' ? c.final : !c.final && c.step === Number(which)));
    if (!checkpoint) return notFound('Checkpoint');
    const existing = checkpoint.loraId ? db.loras.find((l) => l.id === checkpoint.loraId) : undefined;
    if (existing) return HttpResponse.json(existing, { status: 200 });
    const version = db.loras.filter((l) => l.characterId === run.characterId).length + 1;
    const character = db.characters.find((c) => c.id === run.characterId);
    const lora = buildLora({
      characterId: run.characterId,
      trainingRunId: run.id,
      name: `${character?.name ?? 'Subject'} v${version}`,
      version,
      steps: checkpoint.step,
      triggerWord: character?.triggerWord ?? 'subjone_x1',
    });
    db.loras.push(lora);
    db.checkpoints[run.id] = db.checkpoints[run.id]!.map((c) => (c === checkpoint ? { ...c, loraId: lora.id } : c));
    return HttpResponse.json(lora, { status: 201 });
  }),

  http.get('/api/characters/:id/loras', ({ params }) =>
    HttpResponse.json({ items: db.loras.filter((l) => l.characterId === params.id) }),
  ),

  http.get('/api/loras/:id', ({ params }) => {
    const lora = db.loras.find((l) => l.id === params.id);
    return lora ? HttpResponse.json(lora) : notFound('LoRA');
  }),
];
