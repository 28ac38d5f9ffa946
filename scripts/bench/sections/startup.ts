import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { freePort, startDevServer } from '../../../temporal-dev/dev-server';
import { obtainTemporalCli } from '../../../temporal-dev/obtain.mjs';
import { BenchInstance } from '../lib/instance';
import { descendants, rssBytes, commandLine } from '../lib/proc';
import { round, sleep } from '../lib/stats';
import type { BenchContext, Row, SectionResult } from '../lib/types';
import { instanceEnv } from '../lib/env';

const MB = 1024 * 1024;

/** The anchor of the start-up figure: the Temporal dev server alone, with a database file, until it answers. */
async function bareDevServerMs(root: string): Promise<number> {
  const cliPath = await obtainTemporalCli({ say: () => {} });
  const started = performance.now();
  const server = await startDevServer({
    cliPath,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'isengard',
    dbFile: path.join(root, 'bare-temporal', 'temporal.db'),
  });
  const ms = performance.now() - started;
  await server.stop();
  return ms;
}

/** The resident memory of an idle Node process (the floor under every Node process of the all-in-one). */
async function idleNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(1_000);
  const rss = rssBytes(child.pid!) ?? 0;
  child.kill('SIGKILL');
  return rss;
}

const SETTLE = { sampleMs: 5_000, steadySamples: 5, toleranceBytes: 2 * MB, minMs: 60_000, maxMs: 150_000 };

/**
 * Idle means settled: after start-up the processes hand memory back for a while (V8 shrinks its heap once the
 * process is idle, freed start-up memory is returned). Waits until the control plane's resident memory has stayed
 * within 2 MB for 20 s (at least a minute, at most two and a half) and reports the highest it was on the way.
 */
async function untilMemorySettles(pid: number): Promise<{ ms: number; peakBytes: number; settled: boolean }> {
  const started = performance.now();
  const samples: number[] = [];
  for (;;) {
    samples.push(rssBytes(pid) ?? 0);
    const recent = samples.slice(-SETTLE.steadySamples);
    const elapsed = performance.now() - started;
    const steady = recent.length === SETTLE.steadySamples && Math.max(...recent) - Math.min(...recent) <= SETTLE.toleranceBytes;
    if ((steady && elapsed >= SETTLE.minMs) || elapsed >= SETTLE.maxMs) {
      return { ms: elapsed, peakBytes: Math.max(...samples), settled: steady };
    }
    await sleep(SETTLE.sampleMs);
  }
}

/**
 * 5. Start-up and footprint: `npm start` to healthy (warm: packages installed, web app built, a start already
 * made on the same data), and the idle memory of each process.
 */
export async function startupSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  // `npm start` is `node scripts/setup/ensure.mjs start && node --import tsx scripts/runtime/start.ts`. Warm means
  // its checks find everything in place: a first, unmeasured run builds what is stale (the web app after an edit).
  const ensure = () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'setup', 'ensure.mjs'), 'start'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
    });
    if (result.status !== 0) throw new Error(`ensure.mjs failed: ${result.stderr || result.stdout}`);
    return { ms: performance.now() - started, rebuilt: /Building|Installing/.test(result.stdout) };
  };
  const prewarm = ensure();
  if (prewarm.rebuilt) ctx.say(`  (ensure.mjs first rebuilt something, in ${round(prewarm.ms / 1000, 1)} s: not counted)`);
  const { ms: ensureMs, rebuilt } = ensure();

  const instance = new BenchInstance(instanceEnv(o));
  ctx.adopt(instance);
  ctx.say('  a first start on fresh data (database migrations, namespace), then stop ...');
  const firstMs = await instance.start();
  await instance.stop();
  ctx.say('  the measured start on the same data ...');
  const readyMs = await instance.start();

  const pids = instance.pids();
  const settling = await untilMemorySettles(pids.controlPlane);
  const watchdog = pids.comfy ? descendants(pids.gpuWorker).find((p) => commandLine(p).includes('watchdog.py')) : undefined;
  const rss = {
    supervisor: rssBytes(pids.supervisor) ?? 0,
    temporal: rssBytes(pids.temporal) ?? 0,
    controlPlane: rssBytes(pids.controlPlane) ?? 0,
    gpuWorker: rssBytes(pids.gpuWorker) ?? 0,
    comfySimulator: pids.comfy ? (rssBytes(pids.comfy) ?? 0) : 0,
    comfyWatchdog: watchdog ? (rssBytes(watchdog) ?? 0) : 0,
  };
  const bareTemporalMs = await bareDevServerMs(instance.root);
  const nodeRss = await idleNodeRss();
  const total = Object.values(rss).reduce((a, b) => a + b, 0);
  const mb = (bytes: number) => round(bytes / MB);
  const rows: Row[] = [
    {
      section: 'startup',
      figure: 'npm start → healthy (warm)',
      value: round((ensureMs + readyMs) / 1000, 1),
      unit: 's',
      anchor: { label: 'Temporal dev server alone', value: round(bareTemporalMs / 1000, 1) },
      target: { op: '<=', value: 15 },
      note: `ensure.mjs ${round(ensureMs / 1000, 1)} s${rebuilt ? ' (it rebuilt something: not warm)' : ''} + supervisor to healthy ${round(readyMs / 1000, 1)} s; first start on fresh data ${round(firstMs / 1000, 1)} s`,
    },
    {
      section: 'startup',
      figure: 'idle RSS: control plane',
      value: mb(rss.controlPlane),
      unit: 'MB',
      anchor: { label: 'idle node process', value: mb(nodeRss) },
      target: { op: '<=', value: 200 },
      note: `${settling.settled ? 'settled' : 'still changing'} ${round(settling.ms / 1000)} s after ready; the most it held on the way ${mb(settling.peakBytes)} MB`,
    },
    { section: 'startup', figure: 'idle RSS: GPU worker', value: mb(rss.gpuWorker), unit: 'MB' },
    { section: 'startup', figure: 'idle RSS: Temporal dev server', value: mb(rss.temporal), unit: 'MB' },
    { section: 'startup', figure: 'idle RSS: supervisor', value: mb(rss.supervisor), unit: 'MB' },
    {
      section: 'startup',
      figure: 'idle RSS: ComfyUI simulator',
      value: mb(rss.comfySimulator),
      unit: 'MB',
      note: `plus its watchdog (python) ${mb(rss.comfyWatchdog)} MB; all processes together ${mb(total)} MB`,
    },
  ];
  return {
    rows,
    details: {
      ensureMs,
      ensureRebuilt: rebuilt,
      supervisorReadyMs: readyMs,
      firstStartMs: firstMs,
      bareTemporalMs,
      idleRssBytes: rss,
      controlPlaneSettling: settling,
      idleNodeRssBytes: nodeRss,
      totalIdleRssBytes: total,
    },
  };
}
