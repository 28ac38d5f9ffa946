import type { Generation } from '../../../lib/contracts/generations';
import { historyFacts, type HistoryFacts } from '../lib/comfy';
import { api } from '../lib/instance';
import { cpuSeconds, rssBytes } from '../lib/proc';
import { mean, round, sleep, summarize } from '../lib/stats';
import type { BenchContext, SectionResult } from '../lib/types';

const MB = 1024 * 1024;
const SUBMITTERS = 8;

/**
 * 6. Scale: many generations queued at once: how fast they are accepted, what the Temporal dev server spends, and
 * whether the queue drains at the engine's rate (one GPU worker, one job at a time).
 */
export async function scaleSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  const instance = await ctx.instance();
  const base = instance.url;
  const pids = instance.pids();

  ctx.say(`  submitting ${o.scaleJobs} generations (${SUBMITTERS} at a time) ...`);
  const ids: string[] = [];
  const postMs: number[] = [];
  let next = 0;
  const temporalCpu0 = cpuSeconds(pids.temporal);
  const planeCpu0 = cpuSeconds(pids.controlPlane);
  const firstSent = Date.now();
  const submitStart = performance.now();
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      while (next < o.scaleJobs) {
        const i = next++;
        const t = performance.now();
        const g = await api<Generation>(base, 'POST', '/api/generations', {
          prompt: `queued ${i}`,
          width: 256,
          height: 256,
          steps: o.scaleSteps,
          seed: 5_000_000 + i,
        });
        postMs.push(performance.now() - t);
        ids.push(g.id);
      }
    }),
  );
  const submitSeconds = (performance.now() - submitStart) / 1000;
  const temporalSubmitCores = (cpuSeconds(pids.temporal) - temporalCpu0) / submitSeconds;
  const planeSubmitCores = (cpuSeconds(pids.controlPlane) - planeCpu0) / submitSeconds;

  ctx.say('  waiting for the queue to drain ...');
  const limit = Date.now() + 120_000 + o.scaleJobs * (o.scaleSteps * o.comfyStepMs + 1_500);
  const temporalCpu1 = cpuSeconds(pids.temporal);
  const drainWatch = performance.now();
  let peakTemporalRss = 0;
  for (;;) {
    peakTemporalRss = Math.max(peakTemporalRss, rssBytes(pids.temporal) ?? 0);
    const [queued, running] = await Promise.all(
      ['queued', 'running'].map((status) => api<{ items: Generation[] }>(base, 'GET', `/api/generations?status=${status}&limit=1`)),
    );
    if (queued!.items.length === 0 && running!.items.length === 0) break;
    if (Date.now() > limit) throw new Error('The queue did not drain in time');
    await sleep(1_000);
  }
  const temporalDrainCores = (cpuSeconds(pids.temporal) - temporalCpu1) / ((performance.now() - drainWatch) / 1000);

  // What happened to each: recorded time, and the engine's own execution from the simulator's history.
  const finished: number[] = [];
  const facts: HistoryFacts[] = [];
  const failed: string[] = [];
  for (const id of ids) {
    const g = await api<Generation>(base, 'GET', `/api/generations/${id}`);
    if (g.status !== 'completed') {
      failed.push(`${id}: ${g.status}`);
      continue;
    }
    finished.push(Date.parse(g.finishedAt!));
    const f = await historyFacts(instance.comfyUrl, id);
    if (f) facts.push(f);
  }
  const lastFinished = Math.max(...finished);
  const firstEngineStart = Math.min(...facts.map((f) => f.startedAt));
  const engineMean = mean(facts.map((f) => f.engineMs));
  const drainSeconds = (lastFinished - firstSent) / 1000;
  const throughput = finished.length / ((lastFinished - firstEngineStart) / 1000);
  const engineRate = 1000 / engineMean;
  const sorted = facts.map((f) => f.startedAt).sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - sorted[i]! - (facts.find((f) => f.startedAt === sorted[i])?.engineMs ?? 0));
  const gap = summarize(gaps);
  const post = summarize(postMs);
  return {
    rows: [
      {
        section: 'scale',
        figure: `submission rate (${o.scaleJobs} generations)`,
        value: round(o.scaleJobs / submitSeconds, 1),
        unit: 'req/s',
        note: `POST p50 ${round(post.p50)} ms, p95 ${round(post.p95)} ms with ${SUBMITTERS} in flight; control plane ${round(planeSubmitCores, 2)} cores`,
      },
      {
        section: 'scale',
        figure: 'Temporal dev server CPU while submitting',
        value: round(temporalSubmitCores, 2),
        unit: 'cores',
        note: `while draining ${round(temporalDrainCores, 2)} cores; peak RSS ${round(peakTemporalRss / MB)} MB`,
      },
      {
        section: 'scale',
        figure: 'drain throughput (one GPU worker)',
        value: round(throughput, 2),
        unit: 'jobs/s',
        anchor: { label: "the engine's rate (1 / its time per job)", value: round(engineRate, 2) },
        note: `the engine was busy ${round((100 * throughput) / engineRate)}% of the drain: ${round(engineMean)} ms per job, then ${round(gap.p50)} ms (p50) until the next job started; all ${o.scaleJobs} done ${round(drainSeconds)} s after the first POST${failed.length ? `; ${failed.length} not completed` : ''}`,
      },
    ],
    details: {
      jobs: o.scaleJobs,
      steps: o.scaleSteps,
      submitSeconds,
      submissionsPerSecond: o.scaleJobs / submitSeconds,
      postMs: post,
      temporalSubmitCores,
      temporalDrainCores,
      controlPlaneSubmitCores: planeSubmitCores,
      peakTemporalRssBytes: peakTemporalRss,
      drainSeconds,
      throughputJobsPerSecond: throughput,
      engineMsMean: engineMean,
      engineRateJobsPerSecond: engineRate,
      gapBetweenJobsMs: gap,
      failed,
    },
  };
}
