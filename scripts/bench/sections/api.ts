import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon, { type Result as LoadResult } from 'autocannon';
import postgres from 'postgres';
import type { Character } from '../../../lib/contracts/characters';
import type { Generation } from '../../../lib/contracts/generations';
import type { TrainingRun } from '../../../lib/contracts/training';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { instanceEnv } from '../lib/env';
import { api, BenchInstance } from '../lib/instance';
import { cameraJpegs } from '../lib/pictures';
import { cpuSeconds } from '../lib/proc';
import { round, sleep } from '../lib/stats';
import type { BenchContext, Row, SectionResult } from '../lib/types';
import { createCharacter, uploadPhotos } from '../lib/upload';

/** Steps of the training run the seed makes (loss points, samples, a timeline and a LoRA for the lists). */
const SEED_TRAINING_STEPS = 300;

/**
 * Makes sure the lists have realistic contents: characters, a character with 30 photos, a finished training run
 * (and so a LoRA) of that character, generations.
 */
async function seed(base: string, say: (line: string) => void): Promise<{ characterId: string }> {
  const characters = await api<{ items: Character[] }>(base, 'GET', '/api/characters');
  for (let i = characters.items.length; i < 20; i++) await createCharacter(base, `Bench API ${i + 1}`);
  const all = (await api<{ items: Character[] }>(base, 'GET', '/api/characters')).items;
  let withPhotos: string | undefined;
  for (const c of all) {
    const photos = await api<{ items: unknown[] }>(base, 'GET', `/api/characters/${c.id}/photos`);
    if (photos.items.length >= 30) {
      withPhotos = c.id;
      break;
    }
  }
  if (!withPhotos) {
    say('  seeding 30 photos ...');
    const character = await createCharacter(base, 'Bench API photos');
    await uploadPhotos(base, character.id, await cameraJpegs(30, 0.3, 1, 900), { keepAnyway: true });
    withPhotos = character.id;
  }
  const runs = await api<{ items: TrainingRun[] }>(base, 'GET', `/api/characters/${withPhotos}/trainings`);
  if (!runs.items.some((r) => r.status === 'completed')) {
    say(`  seeding a training run of ${SEED_TRAINING_STEPS} steps ...`);
    const run = await api<TrainingRun>(base, 'POST', `/api/characters/${withPhotos}/trainings`, {
      preset: 'quick',
      advanced: { steps: SEED_TRAINING_STEPS },
      confirmFewPhotos: true,
    });
    for (let t = 0; ; t++) {
      const now = await api<TrainingRun>(base, 'GET', `/api/trainings/${run.id}`);
      if (now.status === 'completed') break;
      if (now.status !== 'queued' && now.status !== 'running') throw new Error(`The seed training ended ${now.status}: ${now.error?.message ?? ''}`);
      if (t > 1_200) throw new Error('The seed training did not finish within 10 minutes');
      await sleep(500);
    }
  }
  const gallery = await api<{ items: Generation[] }>(base, 'GET', '/api/generations?limit=24');
  if (gallery.items.length < 24) {
    say('  seeding 24 generations ...');
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const g = await api<Generation>(base, 'POST', '/api/generations', { prompt: `seed ${i}`, width: 256, height: 256, steps: 1 });
      ids.push(g.id);
    }
    for (const id of ids) {
      for (let t = 0; t < 300; t++) {
        const g = await api<Generation>(base, 'GET', `/api/generations/${id}`);
        if (['completed', 'failed', 'cancelled'].includes(g.status)) break;
        await sleep(200);
      }
    }
  }
  return { characterId: withPhotos };
}

/** A bare node:http server answering with a body of `bytes`, in its own process (as the control plane is). */
async function bareServer(bytes: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'bench', 'bare-http.ts'), String(bytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line.split(' ')[1])));
    child.once('exit', (code) => reject(new Error(`bare-http exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill('SIGTERM') };
}

interface Measured {
  label: string;
  bytes: number;
  result: LoadResult;
  cores: number;
  /** The same load with `Cache-Control: no-cache`: every request goes to the database. */
  uncached: LoadResult;
}

/** Lists are answered from memory until something is written (api/middleware/list-cache.ts); this skips that. */
const NO_CACHE = { 'cache-control': 'no-cache' };

/** Every list endpoint of one instance under load: a short warm-up (JIT, database caches), then the measured run. */
async function measure(ctx: BenchContext, instance: BenchInstance, database: string): Promise<Measured[]> {
  const { options: o } = ctx;
  const base = instance.url;
  const { characterId } = await seed(base, ctx.say);
  const controlPlane = instance.pids().controlPlane;
  const endpoints = [
    '/api/characters',
    '/api/generations',
    `/api/characters/${characterId}/photos`,
    `/api/characters/${characterId}/trainings`,
    `/api/characters/${characterId}/loras`,
  ];
  const measured: Measured[] = [];
  for (const endpoint of endpoints) {
    const bytes = Buffer.byteLength(await (await fetch(`${base}${endpoint}`)).text());
    const label = endpoint.replace(characterId, ':id');
    ctx.say(`  ${database}: ${label} (${bytes} bytes), ${o.apiConnections} connections, ${o.apiSeconds} s ...`);
    await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: 1 });
    const cpuBefore = cpuSeconds(controlPlane);
    const result = await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: o.apiSeconds });
    const cores = (cpuSeconds(controlPlane) - cpuBefore) / o.apiSeconds;
    await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: 1, headers: NO_CACHE });
    const uncached = await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: o.apiSeconds, headers: NO_CACHE });
    measured.push({ label, bytes, result, cores, uncached });
  }
  return measured;
}

/** The PostgreSQL server to measure against too: BENCH_DATABASE_URL, else TEST_DATABASE_URL; none → PGlite only. */
function serverUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

/** A fresh database on that server for one run, dropped afterwards. */
async function freshDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `isengard_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    async drop() {
      const cleanup = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/**
 * 4. API: list endpoints under 50 connections, requests/s and p99, next to a bare node:http server; on the
 * embedded PGlite of the shared instance and, when a PostgreSQL server is named, on an instance of its own using it.
 * Each list is measured as served (from memory until something is written) and with every request to the database.
 */
export async function apiSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  const pglite = await measure(ctx, await ctx.instance(), 'PGlite');
  let server: Measured[] | undefined;
  let serverError: string | undefined;
  const url = serverUrl();
  if (url) {
    const database = await freshDatabase(url);
    const instance = new BenchInstance({ ...instanceEnv(o), DATABASE_URL: database.url });
    try {
      ctx.say('  starting a second all-in-one on a PostgreSQL server (a fresh database, dropped afterwards) ...');
      await instance.start();
      server = await measure(ctx, instance, 'PostgreSQL');
    } catch (err) {
      // PGlite's figures still count; the table says why the server's are missing.
      serverError = err instanceof Error ? err.message : String(err);
      ctx.say(`  PostgreSQL server run failed: ${serverError.split('\n')[0]}`);
    } finally {
      await instance.stop().catch(() => undefined);
      instance.cleanup();
      await database.drop();
    }
  }

  const rows: Row[] = [];
  const details: Record<string, unknown> = { postgres: url ? (server ? 'measured' : `failed: ${serverError}`) : 'not measured (set BENCH_DATABASE_URL)' };
  for (const [i, m] of pglite.entries()) {
    const s = server?.[i];
    const bare = await bareServer(m.bytes);
    let anchor;
    try {
      await autocannon({ url: bare.url, connections: o.apiConnections, duration: 1 });
      anchor = await autocannon({ url: bare.url, connections: o.apiConnections, duration: Math.max(3, Math.round(o.apiSeconds / 2)) });
    } finally {
      bare.stop();
    }
    const failed = (r: LoadResult) => r.errors + r.timeouts + r.non2xx;
    const note = (x: Measured) =>
      `p50 ${x.result.latency.p50} ms; control plane used ${round(x.cores, 2)} cores; ${x.bytes} bytes${failed(x.result) > 0 ? `; ${failed(x.result)} failed requests` : ''}`;
    rows.push({
      section: 'api',
      figure: `GET ${m.label} requests/s (PGlite)`,
      value: round(m.result.requests.average),
      unit: 'req/s',
      anchor: { label: 'bare node:http', value: round(anchor.requests.average) },
      target: { op: '>=', value: 2000 },
      note: failed(m.result) > 0 ? `${failed(m.result)} failed requests` : undefined,
    });
    if (s) {
      rows.push({
        section: 'api',
        figure: `GET ${s.label} requests/s (PostgreSQL)`,
        value: round(s.result.requests.average),
        unit: 'req/s',
        target: { op: '>=', value: 2000 },
        note: failed(s.result) > 0 ? `${failed(s.result)} failed requests` : undefined,
      });
    }
    rows.push({
      section: 'api',
      figure: `GET ${m.label} p99 (PGlite)`,
      value: m.result.latency.p99,
      unit: 'ms',
      anchor: { label: 'bare node:http', value: anchor.latency.p99 },
      note: note(m),
    });
    if (s) rows.push({ section: 'api', figure: `GET ${s.label} p99 (PostgreSQL)`, value: s.result.latency.p99, unit: 'ms', note: note(s) });
    const uncachedNote = (x: Measured) => `p99 ${x.uncached.latency.p99} ms${failed(x.uncached) > 0 ? `; ${failed(x.uncached)} failed requests` : ''}`;
    rows.push({
      section: 'api',
      figure: `GET ${m.label} requests/s, each to the database (PGlite)`,
      value: round(m.uncached.requests.average),
      unit: 'req/s',
      note: uncachedNote(m),
    });
    if (s) {
      rows.push({
        section: 'api',
        figure: `GET ${s.label} requests/s, each to the database (PostgreSQL)`,
        value: round(s.uncached.requests.average),
        unit: 'req/s',
        note: uncachedNote(s),
      });
    }
    const detail = (x: Measured) => ({
      bytes: x.bytes,
      requestsPerSecond: x.result.requests.average,
      latency: x.result.latency,
      errors: x.result.errors,
      timeouts: x.result.timeouts,
      non2xx: x.result.non2xx,
      controlPlaneCores: x.cores,
      uncached: { requestsPerSecond: x.uncached.requests.average, latency: x.uncached.latency, non2xx: x.uncached.non2xx },
    });
    details[m.label] = {
      ...detail(m),
      ...(s ? { postgres: detail(s) } : {}),
      bare: { requestsPerSecond: anchor.requests.average, latency: anchor.latency },
    };
  }
  return { rows, details };
}
