import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../api/health';
import { loadConfig } from '../../lib/config';
import { Client, Connection } from '@temporalio/client';
import type { DatabaseHandle } from '../../db/client';
import type { CAPABILITIES } from '../../lib/contracts/capabilities';
import { healthSchema, type Health } from '../../lib/contracts/health';
import { logFilePath } from '../../lib/logger/logger';
import { postReport } from '../../activities/gpu/internal-report';
import { getGpuWorker } from '../../db/repositories/gpu-workers';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';

describe('health, capabilities and client logs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Thresholds any machine that runs tests clears (the default warning is below 10 GB free).
    stack = await startTestStack({ env: { DISK_LOW_FREE_MB: '64', DISK_RESERVE_MB: '16' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is degraded, with the reason, while no GPU worker runs; ok once one does', async () => {
    const before = await request<Health>(stack, '/api/health');
    expect(before.status).toBe(200);
    expect(healthSchema.parse(before.body)).toMatchObject({
      status: 'degraded',
      mode: 'fast-test',
      checks: {
        temporal: { ok: true },
        database: { ok: true, message: 'Embedded database (PGlite) answers' },
        workers: { ok: false, message: 'No GPU worker is running: jobs wait until one starts' },
        engines: { ok: false },
      },
    });

    const worker = await stack.startGpuWorker('gpu-health');
    const after = await eventually(async () => {
      const { body } = await request<Health>(stack, '/api/health');
      return body.status === 'ok' ? body : undefined;
    });
    expect(after.checks.workers.message).toBe('Control worker running; 1 GPU worker running');
    // The data and log folders of a test stack share the temporary folder's volume.
    expect(after.checks.disk).toEqual({ ok: true, message: expect.stringMatching(/^The data and log volume has [\d.]+ [MG]B free of [\d.]+ [MG]B$/) });
    expect(after.disk).toMatchObject({ lowFreeMb: 64, reserveMb: 16 });
    expect(after.disk.volumes).toEqual([
      expect.objectContaining({ name: 'data', path: stack.config.storage.root, state: 'ok' }),
      expect.objectContaining({ name: 'logs', path: stack.config.log.dir, state: 'ok', sameVolumeAsData: true }),
    ]);
    expect(after.workers).toEqual(
      expect.arrayContaining([
        { queue: 'isengard-control', identity: expect.stringMatching(/^\d+@/) },
        { queue: 'isengard-gpu', identity: worker.ctx.identity },
        { queue: 'isengard-gpu.gpu-health', identity: worker.ctx.identity },
      ]),
    );
    expect(after.temporalNamespace).toBe(stack.config.temporal.namespace);
    expect(after.gpuWorkers).toEqual([
      expect.objectContaining({ workerId: 'gpu-health', identity: worker.ctx.identity, state: 'idle', jobs: [] }),
    ]);
    // Fast-test runs no engine Python: the GPU is simulated, and says so.
    expect(after.gpuWorkers[0]!.gpu).toMatchObject({ state: 'simulated', device: expect.stringMatching(/^Simulated GPU/), probes: [] });
    expect(after.checks.gpu).toEqual({ ok: true, message: 'gpu-health: simulated (fast-test)' });

    // An engine whose server is still starting: not ok yet, and said to be starting (npm start waits for it).
    const reported = (await getGpuWorker(stack.db.db, 'gpu-health'))!;
    const comfy = reported.engines.find((e) => e.id === 'comfyui')!;
    const report = await postReport(stack.config, '/internal/workers/gpu-health', {
      identity: reported.identity,
      hostname: reported.hostname,
      queue: reported.queue,
      capacity: 1,
      engines: [...reported.engines.filter((e) => e !== comfy), { ...comfy, state: 'starting', message: 'not answering yet' }],
      jobs: [],
      startedAt: reported.startedAt.toISOString(),
    }, 5_000);
    expect(report.status).toBe(204);
    const starting = await checkHealth({ config: stack.config, db: stack.db, temporal: stack.plane.temporal });
    expect(starting.checks.engines).toEqual({ ok: false, message: 'ComfyUI on gpu-health: not answering yet', starting: true });

    // The internal route takes only well-formed reports, with the internal token.
    const bad = await postReport(stack.config, '/internal/workers/gpu-health', { identity: 'x' }, 5_000);
    expect(bad.status).toBe(400);
    expect((await postReport(stack.config, '/internal/workers/..%2Fetc', {}, 5_000)).status).toBe(400);
    const anonymous = await fetch(`${stack.plane.url}/internal/workers/gpu-health`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
  });

  it('is degraded when the database does not answer, and down when Temporal does not either', async () => {
    const deadDb = {
      ...stack.db,
      ping: () => Promise.reject(new Error('connection refused')),
    } as DatabaseHandle;
    const health = await checkHealth({ config: stack.config, db: deadDb, temporal: stack.plane.temporal });
    expect(health.status).toBe('degraded');
    expect(health.checks.database).toEqual({ ok: false, message: 'The database does not answer: connection refused' });

    const nowhere = loadConfig({ ...stack.env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const offline = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: 'isengard' });
    const down = await checkHealth({ config: nowhere, db: deadDb, temporal: offline }).finally(() => offline.connection.close());
    expect(down.status).toBe('down');
    expect(down.checks.temporal.ok).toBe(false);
  });

  it('lists the capability matrix', async () => {
    const { body } = await request<{ items: typeof CAPABILITIES }>(stack, '/api/capabilities');
    const byId = Object.fromEntries(body.items.map((c) => [c.id, c]));
    expect(byId['training.lora']).toMatchObject({ state: 'supported', engine: 'ai-toolkit', engineVersion: expect.stringMatching(/^ai-toolkit@1\+[0-9a-f]{7}$/) });
    expect(byId['training.dora']).toMatchObject({ state: 'not_implemented' });
    expect(byId['training.full_finetune']).toMatchObject({ state: 'out_of_scope' });
    expect(byId['generation.image']).toMatchObject({ state: 'supported', engine: 'comfyui', engineVersion: expect.stringMatching(/^comfyui@1\+[0-9a-f]{7}$/) });
    expect(byId['training.dora']).toMatchObject({ engineVersion: null });
    expect(byId['generation.video']).toMatchObject({ state: 'scaffold' });
  });

  it('writes browser errors to logs/web/latest/client.log with the correlation id', async () => {
    const res = await request(stack, '/api/client-logs', {
      method: 'POST',
      headers: { 'X-Correlation-ID': 'browser-77' },
      body: { level: 'error', message: 'TypeError: x is undefined', route: '/characters', event: 'client.error' },
    });
    expect(res.status).toBe(204);
    const lines = readFileSync(logFilePath(stack.config.log.dir, 'web', 'client'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({
      service: 'web',
      level: 'ERROR',
      correlation_id: 'browser-77',
      event: 'client.error',
      message: 'TypeError: x is undefined',
      context: { route: '/characters' },
    });
    const bad = await request(stack, '/api/client-logs', { method: 'POST', body: { message: '' } });
    expect(bad.status).toBe(400);
    // Small fields only: no free-form context (test/api/client-logs.test.ts has the limits and the rate limit).
    const withContext = await request(stack, '/api/client-logs', { method: 'POST', body: { message: 'x', context: { a: 1 } } });
    expect(withContext.status).toBe(400);
  });
});
