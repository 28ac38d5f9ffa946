import { http, HttpResponse } from 'msw';
import { applyCaptionInput, replaceAllLiteral, replaceInCaptionsInput, startCaptionsInput, type CaptionJob } from '../../../../../lib/contracts/captions';
import { db } from '../db';
import { apiError, notFound, validationFailed } from '../responses';

/** What the fake captioner writes: it names the style, so a test can tell which was asked for. */
export const fakeCaption = (style: string, index: number) => `photo of [trigger], ${style} caption ${index + 1}`;

/** A running job moves one photo on at each read, writing that photo's caption. */
function advance(job: CaptionJob): CaptionJob {
  if (job.status === 'queued') return Object.assign(job, { status: 'running' });
  if (job.status !== 'running') return job;
  const targets = (job as CaptionJob & { targets: string[] }).targets;
  const photo = db.photos.find((p) => p.id === targets[job.done]);
  if (photo) photo.caption = fakeCaption(job.style, job.done);
  job.done += 1;
  if (job.done >= job.total) Object.assign(job, { status: 'completed', finishedAt: new Date().toISOString() });
  return job;
}

export const captionHandlers = [
  http.post('/api/characters/:id/captions', async ({ params, request }) => {
    if (!db.characters.some((c) => c.id === params.id)) return notFound('Character');
    const parsed = startCaptionsInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    if (db.captionJobs.some((j) => j.characterId === params.id && (j.status === 'queued' || j.status === 'running'))) {
      return apiError(409, { code: 'conflict', message: 'Captions are already being written for this character' });
    }
    const targets = parsed.data.photoIds ?? db.photos.filter((p) => p.characterId === params.id).map((p) => p.id);
    const job = {
      id: crypto.randomUUID(),
      characterId: String(params.id),
      status: 'queued',
      style: parsed.data.style,
      explicit: Boolean(parsed.data.photoIds),
      total: targets.length,
      done: 0,
      skipped: 0,
      error: null,
      engine: 'simulated-captioner@1',
      createdAt: new Date().toISOString(),
      finishedAt: null,
      targets,
    } satisfies CaptionJob & { targets: string[] };
    db.captionJobs.push(job);
    return HttpResponse.json(job, { status: 202 });
  }),

  http.get('/api/characters/:id/caption-jobs/latest', ({ params }) => {
    const job = db.captionJobs.filter((j) => j.characterId === params.id).at(-1);
    return HttpResponse.json({ job: job ? advance(job) : null });
  }),

  http.post('/api/caption-jobs/:id/cancel', ({ params }) => {
    const job = db.captionJobs.find((j) => j.id === params.id);
    if (!job) return notFound('Caption job');
    if (job.status === 'queued' || job.status === 'running') Object.assign(job, { status: 'cancelled' });
    return HttpResponse.json(job, { status: 202 });
  }),

  http.post('/api/characters/:id/captions/apply-all', async ({ params, request }) => {
    const parsed = applyCaptionInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    let changed = 0;
    for (const photo of db.photos.filter((p) => p.characterId === params.id && p.caption !== parsed.data.caption)) {
      photo.caption = parsed.data.caption;
      changed++;
    }
    return HttpResponse.json({ changed });
  }),

  http.post('/api/characters/:id/captions/replace', async ({ params, request }) => {
    const parsed = replaceInCaptionsInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    const { find, replace, matchCase } = parsed.data;
    let changed = 0;
    for (const photo of db.photos.filter((p) => p.characterId === params.id)) {
      const next = replaceAllLiteral(photo.caption, find, replace, matchCase);
      if (next !== photo.caption) {
        photo.caption = next;
        changed++;
      }
    }
    return HttpResponse.json({ changed });
  }),
];
