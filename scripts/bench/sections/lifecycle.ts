import { randomUUID } from 'node:crypto';
import type { Generation } from '../../../lib/contracts/generations';
import type { Lora } from '../../../lib/contracts/loras';
import type { TrainingRun } from '../../../lib/contracts/training';
import { buildGraph } from '../../../plugins/image/comfyui/graphs';
import { api } from '../lib/instance';
import { cameraJpegs } from '../lib/pictures';
import { round, sleep, summarize } from '../lib/stats';
import type { BenchContext, SectionResult } from '../lib/types';
import { createCharacter, uploadPhotos } from '../lib/upload';
import { jobInput } from './generation';

/** How often the end of a job is looked for: the figures below are this precise. */
const POLL_MS = 20;
/** The promise of the job lifecycle (design §4): a cancelled generation ends within this. */
const CANCEL_TARGET_MS = 2_000;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('Timed out waiting for a job to end');
    await sleep(POLL_MS);
  }
}

/**
 * The anchor of the cancel latency: how long the engine itself takes to stop a prompt it is running, asked
 * directly (POST /interrupt, then its history says interrupted).
 */
async function bareInterruptMs(comfyUrl: string, graph: ReturnType<typeof buildGraph>, afterMs: number): Promise<number> {
  const promptId = randomUUID();
  const submitted = await fetch(`${comfyUrl}/prompt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: graph, client_id: 'bench-interrupt', prompt_id: promptId }),
  });
  if (!submitted.ok) throw new Error(`ComfyUI refused the prompt: ${submitted.status}`);
  await submitted.arrayBuffer();
  await sleep(afterMs);
  const asked = performance.now();
  await (await fetch(`${comfyUrl}/interrupt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt_id: promptId }) })).arrayBuffer();
  await until(
    async () => ((await (await fetch(`${comfyUrl}/history/${promptId}`)).json()) as Record<string, unknown>)[promptId],
    (entry) => entry !== undefined,
  );
  return performance.now() - asked;
}

/**
 * Cancel and Stop as a person uses them: how long from the request to the job's end (design §4: Cancel within 2 s at
 * any moment; Stop within one step + the save + 2 s), and how soon the GPU takes the next job after a cancel.
 */
export async function lifecycleSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  const instance = await ctx.instance();
  const base = instance.url;
  const generation = (id: string) => api<Generation>(base, 'GET', `/api/generations/${id}`);

  // Generations of about a second in the engine, cancelled at moments spread from the submission to past the end.
  const steps = Math.max(1, Math.round(1_000 / Math.max(1, o.comfyStepMs)));
  ctx.say(`  ${o.lifecycleCancels} generations (${steps} steps × ${o.comfyStepMs} ms), each cancelled at another moment ...`);
  const cancelMs: number[] = [];
  const nextStartMs: number[] = [];
  let completedFirst = 0;
  let params: Generation['parameters'] | undefined;
  for (let i = 0; i < o.lifecycleCancels; i++) {
    const created = await api<Generation>(base, 'POST', '/api/generations', jobInput(o, steps, 50_000 + i));
    params = created.parameters;
    await sleep(Math.round((i / o.lifecycleCancels) * 1_300));
    const response = await fetch(`${base}/api/generations/${created.id}/cancel`, { method: 'POST' });
    const asked = performance.now();
    await response.arrayBuffer();
    if (response.status === 409) {
      completedFirst++;
      continue;
    }
    const ended = await until(() => generation(created.id), (g) => g.status !== 'queued' && g.status !== 'running');
    if (ended.status !== 'cancelled') throw new Error(`A cancelled generation ended ${ended.status}`);
    cancelMs.push(performance.now() - asked);
    // The GPU is free at once: the next generation starts running.
    const nextAsked = performance.now();
    const next = await api<Generation>(base, 'POST', '/api/generations', jobInput(o, 1, 60_000 + i));
    await until(() => generation(next.id), (g) => g.status !== 'queued');
    nextStartMs.push(performance.now() - nextAsked);
    await until(() => generation(next.id), (g) => g.status !== 'running');
  }

  ctx.say('  the same engine interrupted directly, as often ...');
  const interruptMs: number[] = [];
  for (let i = 0; params && i < Math.min(5, o.lifecycleCancels); i++) {
    interruptMs.push(await bareInterruptMs(instance.comfyUrl, buildGraph({ ...params, seed: 70_000 + i }, `bench-interrupt-${i}`), 300));
  }

  ctx.say(`  ${o.lifecycleStops} trainings at ${o.trainStepMs} ms a step, each stopped mid-run ...`);
  const character = await createCharacter(base, 'Bench Stopper');
  await uploadPhotos(base, character.id, await cameraJpegs(3, 0.5, 1, 700), { keepAnyway: true });
  const stopMs: number[] = [];
  const stepsOn: number[] = [];
  for (let i = 0; i < o.lifecycleStops; i++) {
    const run = await api<TrainingRun>(base, 'POST', `/api/characters/${character.id}/trainings`, {
      preset: 'quick',
      advanced: { steps: 5_000, saveEvery: 5_000, sampleEvery: 5_000 },
      confirmFewPhotos: true,
    });
    const read = () => api<TrainingRun>(base, 'GET', `/api/trainings/${run.id}`);
    await until(read, (r) => r.phase === 'training' && r.step >= 20);
    const response = await fetch(`${base}/api/trainings/${run.id}/stop`, { method: 'POST' });
    const asked = performance.now();
    const stopping = (await response.json()) as TrainingRun;
    const ended = await until(read, (r) => r.status !== 'queued' && r.status !== 'running');
    stopMs.push(performance.now() - asked);
    if (ended.status !== 'stopped' || !ended.loraId) throw new Error(`A stopped run ended ${ended.status} without its checkpoint`);
    const lora = await api<Lora>(base, 'GET', `/api/loras/${ended.loraId}`);
    stepsOn.push(lora.steps - stopping.step);
  }

  const cancel = summarize(cancelMs);
  const nextStart = summarize(nextStartMs);
  const interrupt = summarize(interruptMs);
  const stop = summarize(stopMs);
  const on = summarize(stepsOn);
  return {
    rows: [
      {
        section: 'lifecycle',
        figure: 'cancel → cancelled, max (at moments from queued to saving images)',
        value: round(cancel.max),
        unit: 'ms',
        anchor: { label: 'the engine interrupted directly, p50', value: round(interrupt.p50) },
        target: { op: '<=', value: CANCEL_TARGET_MS },
        note: `p50 ${round(cancel.p50)} ms, p95 ${round(cancel.p95)} ms over ${cancel.n} cancels (${completedFirst} came after the end: completed); the next generation started ${round(nextStart.p50)} ms (p50) after it was submitted`,
      },
      {
        section: 'lifecycle',
        figure: 'stop → stopped, max (the engine saves, exits; the LoRA kept)',
        value: round(stop.max),
        unit: 'ms',
        anchor: { label: 'one step of the engine', value: o.trainStepMs },
        target: { op: '<=', value: o.trainStepMs + CANCEL_TARGET_MS },
        note: `p50 ${round(stop.p50)} ms over ${stop.n} stops; the engine ran on ${round(on.p50)} steps (p50, max ${round(on.max)}) after the request before it saved`,
      },
    ],
    details: { cancelMs: cancel, nextStartMs: nextStart, bareInterruptMs: interrupt, stopMs: stop, stepsAfterStop: on, completedBeforeCancel: completedFirst, samples: { cancelMs, stopMs, stepsOn } },
  };
}
