import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SelfTest } from '../lib/contracts/self-tests';
import { logFilePath } from '../lib/logger/logger';
import { logLineSchema } from '../lib/logger/schema';
import { eventually, startTestStack, type TestStack } from './helpers/stack';

async function api<T>(stack: TestStack, path: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${stack.plane.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

function logLines(stack: TestStack, service: 'api' | 'worker') {
  return readFileSync(logFilePath(stack.config.log.dir, service), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the pipeline self-test crosses every layer on a real Temporal server', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs API → workflow → control activity → pinned GPU activity → storage → database', async () => {
    await stack.startGpuWorker('gpu-a');
    const correlationId = `test-${Date.now()}`;
    const created = await api<SelfTest>(stack, '/api/self-tests', {
      method: 'POST',
      body: JSON.stringify({ steps: 3, stepMs: 50 }),
      headers: { 'X-Correlation-ID': correlationId },
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('x-correlation-id')).toBe(correlationId);
    expect(created.body.workflowId).toBe(`self-test-${created.body.id}`);

    const done = await eventually(async () => {
      const { body } = await api<SelfTest>(stack, `/api/self-tests/${created.body.id}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    });
    expect(done.errorMessage).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.gpuWorkers).toEqual(['gpu-a']);
    expect(done.step).toBe(3);
    expect(done.result).toMatchObject({ workerId: 'gpu-a', stepsRun: 3, storageShared: true });

    // The request's correlation id reached the API log, the workflow and both kinds of activity.
    const apiLines = logLines(stack, 'api').filter((l) => l.correlation_id === correlationId);
    expect(apiLines.map((l) => l.event)).toContain('selftest.submitted');
    const workerEvents = logLines(stack, 'worker')
      .filter((l) => l.correlation_id === correlationId)
      .map((l) => l.event);
    expect(workerEvents).toEqual(expect.arrayContaining(['selftest.started', 'gpu.acquired', 'selftest.probe_start', 'selftest.completed']));
    for (const line of [...logLines(stack, 'api'), ...logLines(stack, 'worker')]) {
      expect(logLineSchema.safeParse(line).success, JSON.stringify(line)).toBe(true);
    }

    // The recorded history replays against the current workflow code: no non-determinism crept in.
    const history = await stack.plane.temporal.workflow.getHandle(done.workflowId).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundle') } }, history, done.workflowId),
    ).resolves.toBeUndefined();
  });
});

describe('GPU pinning survives the loss of the pinned worker', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('continues on another GPU worker after kill -9, from the last heartbeat', async () => {
    const workers = {
      'gpu-left': await stack.spawnGpuWorker('gpu-left'),
      'gpu-right': await stack.spawnGpuWorker('gpu-right'),
    };
    const created = await api<SelfTest>(stack, '/api/self-tests', {
      method: 'POST',
      body: JSON.stringify({ steps: 30, stepMs: 200 }),
    });
    expect(created.status).toBe(202);

    const running = await eventually(async () => {
      const { body } = await api<SelfTest>(stack, `/api/self-tests/${created.body.id}`);
      return body.gpuWorkers.length === 1 && body.step >= 4 ? body : undefined;
    });
    const pinned = running.gpuWorkers[0] as keyof typeof workers;
    workers[pinned].kill('SIGKILL');

    const done = await eventually(async () => {
      const { body } = await api<SelfTest>(stack, `/api/self-tests/${created.body.id}`);
      return body.status === 'completed' || body.status === 'failed' ? body : undefined;
    }, 60_000);
    const other = pinned === 'gpu-left' ? 'gpu-right' : 'gpu-left';
    expect(done.errorMessage).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.gpuWorkers).toEqual([pinned, other]);
    expect(done.result).toMatchObject({ workerId: other, storageShared: true });
    // Resumed from the lost worker's last heartbeat, not from step 0.
    expect((done.result as { resumedFromStep: number }).resumedFromStep).toBeGreaterThanOrEqual(4);
  });
});
