import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdOf, deliveryWorkflowId } from '../activities/control/webhooks';
import { startControlPlane } from '../api/control-plane';
import type { ApiToken } from '../lib/contracts/auth';
import type { WebhookDelivery, WebhookEvent, WebhookPayload } from '../lib/contracts/webhooks';
import { verifySignature } from '../lib/webhooks/signature';
import { freePort } from '../temporal-dev/dev-server';
import { generate, waitForGeneration } from './helpers/generation';
import { request } from './helpers/http';
import { eventually, startTestStack, type TestStack } from './helpers/stack';
import { characterWithPhotos, finished, startTraining, waitForTraining } from './helpers/training';

const SECRET = 'a-receiver-secret-of-some-length';

interface Call {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  payload: WebhookPayload;
}

/** A webhook receiver on loopback that records every call; it can be taken down (connection refused) and back up. */
class Receiver {
  readonly calls: Call[] = [];
  private server: Server | undefined;
  constructor(readonly port: number) {}

  url(path = '/hooks/isengard') {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.calls.push({ path: req.url ?? '', headers: req.headers, body, payload: JSON.parse(body) as WebhookPayload });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  callsFor(jobId: string, path = '/hooks/isengard'): Call[] {
    return this.calls.filter((call) => call.payload.job.id === jobId && call.path === path);
  }
}

describe('webhooks on job end: signed, durable, once per job (real Temporal, loopback receiver)', () => {
  let stack: TestStack;
  let receiver: Receiver;

  const delivery = async (jobId: string, event: WebhookEvent) => {
    const id = deliveryIdOf(jobId, event, 'settings');
    const { body } = await request<{ items: WebhookDelivery[] }>(stack, '/api/webhooks/deliveries');
    return body.items.find((item) => item.id === id);
  };

  /** Waits for the delivery's workflow to end: after that no further call can come, so counting calls is final. */
  const deliveryEnded = (jobId: string, event: WebhookEvent, endpoint = 'settings') =>
    stack.plane.temporal.workflow.getHandle(deliveryWorkflowId(deliveryIdOf(jobId, event, endpoint))).result() as Promise<{ delivered: boolean }>;

  function expectOneSignedCall(jobId: string, event: WebhookEvent, endpoint = { path: '/hooks/isengard', secret: SECRET }): Call {
    const calls = receiver.callsFor(jobId, endpoint.path);
    expect(calls).toHaveLength(1);
    const [call] = calls as [Call];
    expect(call.headers['isengard-event']).toBe(event);
    expect(call.headers['isengard-delivery']).toBe(call.payload.id);
    expect(call.headers['content-type']).toBe('application/json');
    expect(verifySignature(endpoint.secret, String(call.headers['isengard-signature']), call.body)).toBe(true);
    expect(verifySignature('another-secret-entirely-wrong', String(call.headers['isengard-signature']), call.body)).toBe(false);
    expect(call.payload).toMatchObject({ event, job: { id: jobId } });
    return call;
  }

  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_SIM_COMFY_STEP_MS: '10' } });
    await stack.startGpuWorker('gpu-hooks');
    receiver = new Receiver(await freePort());
    await receiver.up();
  });
  afterAll(async () => {
    await receiver?.down();
    await stack?.stop();
  });

  it('sets the instance webhook; a bad URL or a missing secret is a clear 400', async () => {
    const noSecret = await request<{ error: { message: string } }>(stack, '/api/webhooks/settings', { method: 'PUT', body: { url: receiver.url() } });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.error.message).toMatch(/needs a secret/);
    const badUrl = await request<{ error: { message: string } }>(stack, '/api/webhooks/settings', { method: 'PUT', body: { url: 'file:///etc/passwd', secret: SECRET } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.message).toMatch(/http:\/\/ or https:\/\//);

    const set = await request(stack, '/api/webhooks/settings', { method: 'PUT', body: { url: receiver.url(), secret: SECRET } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ webhook: { url: receiver.url(), hasSecret: true } });
    expect(JSON.stringify((await request(stack, '/api/webhooks/settings')).body)).not.toContain(SECRET);
  });

  it('a finished training and a completed generation each bring exactly one signed call, to each endpoint', async () => {
    const tokenHook = { path: '/hooks/token', secret: 'the-token-webhook-own-secret' };
    const token = await request<ApiToken & { token: string }>(stack, '/api/auth/tokens', {
      method: 'POST',
      body: { name: 'hook script', webhook: { url: receiver.url(tokenHook.path), secret: tokenHook.secret } },
    });
    expect(token.status).toBe(201);
    expect(token.body.webhookUrl).toBe(receiver.url(tokenHook.path));
    expect(JSON.stringify((await request(stack, '/api/auth/tokens')).body)).not.toContain(tokenHook.secret);
    const character = await characterWithPhotos(stack, 'Hook Ada', 2);
    const run = await startTraining(stack, character.id, { steps: 100, saveEvery: 50, sampleEvery: 1000, samplePrompts: [] });
    const trained = await waitForTraining(stack, run.id, finished, 150_000);
    expect(trained.status).toBe('completed');
    const generation = await generate(stack, { prompt: 'a lighthouse at dusk', loraId: trained.loraId, steps: 4, seed: 7 });
    expect((await waitForGeneration(stack, generation.id)).status).toBe('completed');

    await expect(deliveryEnded(run.id, 'training.finished')).resolves.toEqual({ delivered: true });
    await expect(deliveryEnded(generation.id, 'generation.completed')).resolves.toEqual({ delivered: true });
    const trainingCall = expectOneSignedCall(run.id, 'training.finished');
    expect(trainingCall.payload.job).toMatchObject({ kind: 'training', status: 'completed', characterId: character.id, loraId: trained.loraId });
    expect(trainingCall.payload.job.links.self).toBe(`/api/trainings/${run.id}`);
    const generationCall = expectOneSignedCall(generation.id, 'generation.completed');
    expect(generationCall.payload.job).toMatchObject({ kind: 'generation', status: 'completed', loraId: trained.loraId });

    // The token's own webhook heard the same ends, signed with its own secret.
    const tokenEndpoint = `token:${token.body.id}`;
    await expect(deliveryEnded(run.id, 'training.finished', tokenEndpoint)).resolves.toEqual({ delivered: true });
    await expect(deliveryEnded(generation.id, 'generation.completed', tokenEndpoint)).resolves.toEqual({ delivered: true });
    const tokenCall = expectOneSignedCall(run.id, 'training.finished', tokenHook);
    expect(tokenCall.payload.job).toEqual(trainingCall.payload.job);
    expect(tokenCall.payload.id).not.toBe(trainingCall.payload.id);
    expectOneSignedCall(generation.id, 'generation.completed', tokenHook);
    expect((await request(stack, `/api/auth/tokens/${token.body.id}/webhook`, { method: 'DELETE' })).status).toBe(204);

    expect(await delivery(run.id, 'training.finished')).toMatchObject({ status: 'delivered', attempts: 1, responseCode: 204, targetHost: `127.0.0.1:${receiver.port}` });
  }, 240_000);

  it('a receiver that is down at first gets the call later, once', async () => {
    await receiver.down();
    const generation = await generate(stack, { prompt: 'a quiet harbour', steps: 4, seed: 11 });
    expect((await waitForGeneration(stack, generation.id)).status).toBe('completed');
    const refused = await eventually(async () => {
      const row = await delivery(generation.id, 'generation.completed');
      return row?.status === 'retrying' ? row : undefined;
    });
    expect(refused.lastError).toMatch(/Connection refused/);
    expect(receiver.callsFor(generation.id)).toHaveLength(0);

    await receiver.up();
    await expect(deliveryEnded(generation.id, 'generation.completed')).resolves.toEqual({ delivered: true });
    expectOneSignedCall(generation.id, 'generation.completed');
    expect((await delivery(generation.id, 'generation.completed'))?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a job whose workflow an operator ends is announced too, once, when its row is closed', async () => {
    const generation = await generate(stack, { prompt: 'a long exposure of the sea', steps: 150, batch: 4, seed: 13 });
    await waitForGeneration(stack, generation.id, (g) => g.status === 'running');
    await stack.plane.temporal.workflow.getHandle(generation.workflowId).terminate('maintenance of the pod');
    await stack.plane.reconciler.reconcile();
    expect((await waitForGeneration(stack, generation.id)).status).toBe('failed');
    // The pass that closed the row announces the end right after: the delivery shows in the log.
    await eventually(async () => delivery(generation.id, 'generation.failed'), 30_000, 'the delivery of generation.failed');
    await expect(deliveryEnded(generation.id, 'generation.failed')).resolves.toEqual({ delivered: true });
    const call = expectOneSignedCall(generation.id, 'generation.failed');
    expect(call.payload.job).toMatchObject({ kind: 'generation', status: 'failed' });
  });

  it('a control plane restart while a job ends and its call waits neither loses nor repeats the call', async () => {
    await receiver.down();
    const character = await characterWithPhotos(stack, 'Hook Restart', 2);
    const run = await startTraining(stack, character.id, { steps: 150, saveEvery: 50, sampleEvery: 1000, samplePrompts: [] });
    await waitForTraining(stack, run.id, (r) => r.status === 'running' && r.step > 0);

    // The control plane (API and control worker) goes away while the training runs on and ends on the GPU worker.
    await stack.plane.stop();
    stack.plane = await startControlPlane({ config: stack.config, apiLogger: stack.logs.api, workerLogger: stack.logs.worker, clientLogger: stack.logs.web, db: stack.db });
    expect((await waitForTraining(stack, run.id, finished, 150_000)).status).toBe('completed');
    await eventually(async () => ((await delivery(run.id, 'training.finished'))?.status === 'retrying' ? true : undefined));

    // And once more while its delivery waits for the receiver.
    await stack.plane.stop();
    stack.plane = await startControlPlane({ config: stack.config, apiLogger: stack.logs.api, workerLogger: stack.logs.worker, clientLogger: stack.logs.web, db: stack.db });
    await receiver.up();
    await expect(deliveryEnded(run.id, 'training.finished')).resolves.toEqual({ delivered: true });
    expectOneSignedCall(run.id, 'training.finished');
    // Attempts back off from 10 s, doubling: the receiver came back during the wait for the third one.
  }, 300_000);

  it('redelivers on request: the same delivery id and body, signed again', async () => {
    const first = receiver.calls.find((call) => call.path === '/hooks/isengard')!;
    const res = await request(stack, `/api/webhooks/deliveries/${first.payload.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(202);
    const again = await eventually(async () => receiver.calls.filter((call) => call.payload.id === first.payload.id)[1]);
    expect(again.body).toBe(first.body);
    expect(verifySignature(SECRET, String(again.headers['isengard-signature']), again.body)).toBe(true);
    expect((await request(stack, '/api/webhooks/deliveries/whd_nothing/redeliver', { method: 'POST' })).status).toBe(400);
  });
});
