import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Generation } from '../lib/contracts/generations';
import type { Health } from '../lib/contracts/health';
import { AllInOneInstance } from './helpers/all-in-one';
import { startObjectStore, type TestObjectStore } from './helpers/object-store';
import { eventually } from './helpers/stack';

/**
 * The split deployment of the README ("Beyond one machine"), started as an operator starts it: `npm start` with
 * ISENGARD_ROLE=control-plane on one data root, `npm start` with ISENGARD_ROLE=gpu-worker on another, nothing in
 * common but Temporal, the control plane's URL with its internal token, and an S3 store (SeaweedFS).
 */
describe('a control plane and a GPU worker started apart (ISENGARD_ROLE)', () => {
  const control = new AllInOneInstance();
  const worker = new AllInOneInstance();
  let objects: TestObjectStore | undefined;
  afterAll(async () => {
    worker.cleanup();
    control.cleanup();
    await objects?.close();
  });

  it('the worker joins, runs a generation whose pictures reach the control plane through the store, and leaves on SIGTERM', async () => {
    objects = await startObjectStore();
    const internalToken = 'split-roles-internal-token-0123';
    await control.prepare({ ...objects.env('split'), ISENGARD_ROLE: 'control-plane', ISENGARD_INTERNAL_TOKEN: internalToken });
    const plane = await control.start();
    expect(plane.output()).toContain('Isengard is starting as the control plane only');
    const health = async () => (await (await fetch(`${control.url}/api/health`)).json()) as Health;
    expect((await health()).gpuWorkers).toEqual([]);

    await worker.prepare({
      ...objects.env('split'),
      ISENGARD_ROLE: 'gpu-worker',
      TEMPORAL_ADDRESS: `127.0.0.1:${control.env.TEMPORAL_PORT}`,
      CONTROL_PLANE_URL: control.url,
      ISENGARD_INTERNAL_TOKEN: internalToken,
      GPU_WORKER_ID: 'pod-b',
      // Its own ports for what it starts (its simulated ComfyUI); it starts no Temporal and no web server.
      PORT: String(Number(control.env.PORT) + 1),
    });
    const gpu = await worker.start(/GPU worker pod-b started/);
    expect(gpu.output()).toContain('Files: through the object store (STORAGE_URL)');
    await eventually(async () => ((await health()).gpuWorkers.some((w) => w.workerId === 'pod-b' && w.state === 'idle') ? true : undefined), 90_000, 'pod-b listed');

    const created = await fetch(`${control.url}/api/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse at dusk', steps: 4, seed: 11 }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as Generation;
    const done = await eventually(async () => {
      const g = (await (await fetch(`${control.url}/api/generations/${id}`)).json()) as Generation;
      return ['completed', 'failed', 'cancelled'].includes(g.status) ? g : undefined;
    }, 120_000, 'the generation to end');
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const picture = await fetch(`${control.url}${done.outputs[0]!.url}`);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/png');
    // The worker wrote the pictures to the store; the control plane took them from there.
    const stored = await objects.client().send(new ListObjectsV2Command({ Bucket: objects.bucket, Prefix: `split/outputs/${id}/` }));
    expect(stored.Contents?.length).toBe(done.outputs.length);

    // Leaving: SIGTERM, and the worker's supervisor stops it cleanly; the control plane stays up.
    gpu.child.kill('SIGTERM');
    expect(await gpu.exited).toBe(0);
    expect(gpu.output()).toContain('Isengard stopped.');
    expect((await fetch(`${control.url}/api/health`)).status).toBe(200);
    plane.child.kill('SIGTERM');
    expect(await plane.exited).toBe(0);
  }, 420_000);
});
