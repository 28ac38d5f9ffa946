import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import type { Health } from '../../lib/contracts/health';
import type { Character } from '../../lib/contracts/characters';
import { openPostgres } from '../../db/client';
import { testDatabaseUrl } from '../helpers/databases';
import { generate, waitForGeneration } from '../helpers/generation';
import { request } from '../helpers/http';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { TcpProxy } from '../helpers/tcp-proxy';

/** On the PostgreSQL server (see testDatabaseUrl): PGlite lives in-process and cannot be cut off. */
describe('the database unreachable for 30 s (postgres)', () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let name: string;
  let serverUrl: URL;

  beforeAll(async () => {
    serverUrl = new URL(testDatabaseUrl());
    name = `isengard_outage_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const admin = postgres(serverUrl.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    proxy = new TcpProxy({ host: serverUrl.hostname, port: Number(serverUrl.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(serverUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    viaProxy.pathname = `/${name}`;
    const db = await openPostgres(viaProxy.toString());
    await db.migrate();
    stack = await startTestStack({ database: db, env: { ISENGARD_SIM_COMFY_STEP_MS: '100' } });
    await stack.startGpuWorker('gpu-db');
  });
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
    if (!serverUrl) return;
    const admin = postgres(serverUrl.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('health turns degraded, requests fail clearly, and everything recovers, jobs included', { timeout: 180_000 }, async () => {
    const before = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: 'Before' } });
    expect(before.status).toBe(201);
    const running = await generate(stack, { prompt: 'through an outage', seed: 1, steps: 40 });
    await waitForGeneration(stack, running.id, (g) => g.status === 'running');

    proxy.cut();
    const degraded = await eventually(async () => {
      const { body } = await request<Health>(stack, '/api/health');
      return body.status === 'degraded' && !body.checks.database.ok ? body : undefined;
    }, 20_000, 'health to turn degraded');
    expect(degraded.checks.database.message).toMatch(/^The database does not answer/);
    const failed = await request<ApiErrorBody>(stack, '/api/characters');
    expect(failed.status).toBe(503);
    expect(failed.body.error).toEqual({ code: 'unavailable', message: 'The database is not reachable right now. Try again in a moment.' });

    await new Promise((r) => setTimeout(r, 30_000));
    proxy.restore();

    await eventually(async () => ((await request<Health>(stack, '/api/health')).body.checks.database.ok ? true : undefined), 30_000, 'the database check to recover');
    const listed = await request<{ items: Character[] }>(stack, '/api/characters');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((c) => c.name)).toContain('Before');
    // The generation that ran through the outage ends completed: its records waited for the database.
    const done = await waitForGeneration(stack, running.id, undefined, 90_000);
    expect(done.status).toBe('completed');
    expect(done.outputs).toHaveLength(1);
  });
});
