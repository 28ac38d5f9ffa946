import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import type { Character } from '../../../lib/contracts/characters';
import type { Generation } from '../../../lib/contracts/generations';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { api } from '../lib/instance';
import { cameraJpegs } from '../lib/pictures';
import { cpuSeconds } from '../lib/proc';
import { round, sleep } from '../lib/stats';
import type { BenchContext, Row, SectionResult } from '../lib/types';
import { createCharacter, uploadPhotos } from '../lib/upload';

/** Makes sure the lists have realistic contents: characters, a character with 30 photos, generations. */
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
    await uploadPhotos(base, character.id, await cameraJpegs(30, 0.3, 1, 900));
    withPhotos = character.id;
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

/** 4. API: list endpoints under 50 connections, requests/s and p99, next to a bare node:http server. */
export async function apiSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  const instance = await ctx.instance();
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
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const endpoint of endpoints) {
    const bytes = Buffer.byteLength(await (await fetch(`${base}${endpoint}`)).text());
    const label = endpoint.replace(characterId, ':id');
    ctx.say(`  ${label} (${bytes} bytes), ${o.apiConnections} connections, ${o.apiSeconds} s ...`);
    // A short warm-up (JIT, database caches), then the measured run.
    await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: 1 });
    const cpuBefore = cpuSeconds(controlPlane);
    const result = await autocannon({ url: `${base}${endpoint}`, connections: o.apiConnections, duration: o.apiSeconds });
    const cores = (cpuSeconds(controlPlane) - cpuBefore) / o.apiSeconds;
    const bare = await bareServer(bytes);
    let anchor;
    try {
      await autocannon({ url: bare.url, connections: o.apiConnections, duration: 1 });
      anchor = await autocannon({ url: bare.url, connections: o.apiConnections, duration: Math.max(3, Math.round(o.apiSeconds / 2)) });
    } finally {
      bare.stop();
    }
    const failed = result.errors + result.timeouts + result.non2xx;
    rows.push({
      section: 'api',
      figure: `GET ${label} requests/s`,
      value: round(result.requests.average),
      unit: 'req/s',
      anchor: { label: 'bare node:http', value: round(anchor.requests.average) },
      target: { op: '>=', value: 2000 },
      note: failed > 0 ? `${failed} failed requests` : undefined,
    });
    rows.push({
      section: 'api',
      figure: `GET ${label} p99`,
      value: result.latency.p99,
      unit: 'ms',
      anchor: { label: 'bare node:http', value: anchor.latency.p99 },
      note: `p50 ${result.latency.p50} ms; control plane used ${round(cores, 2)} cores; ${bytes} bytes`,
    });
    details[label] = {
      bytes,
      requestsPerSecond: result.requests.average,
      latency: result.latency,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      controlPlaneCores: cores,
      bare: { requestsPerSecond: anchor.requests.average, latency: anchor.latency },
    };
  }
  return { rows, details };
}
