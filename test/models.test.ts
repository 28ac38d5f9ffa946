import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { BaseModel, ModelList } from '../lib/contracts/models';
import type { HubFile, HubServer } from './helpers/hf-server';
import { expectResumesAfterDrops, sha256, startHubServer } from './helpers/hf-server';
import { request } from './helpers/http';
import { eventually, startTestStack, type TestStack } from './helpers/stack';
import type { BaseModelSpec, ModelCatalogue } from '../lib/models/catalogue';

const TOKEN = 'hf_integrationToken0123456789';

/** Small stand-ins for the real weights, served by the local hub; the catalogue pins some, others come from it. */
function testCatalogue(hub: HubServer): { catalogue: ModelCatalogue; transformer: HubFile; vae: HubFile; checkpoint: HubFile } {
  const transformer = hub.add({ repo: 'test-org/FLUX.1-dev', revision: 'main', path: 'flux1-dev.safetensors', content: randomBytes(3_000_000), gatedToken: TOKEN });
  const vae = hub.add({ repo: 'test-org/FLUX.1-dev', revision: 'main', path: 'ae.safetensors', content: randomBytes(200_000), gatedToken: TOKEN });
  const checkpoint = hub.add({ repo: 'test-org/sdxl', revision: 'main', path: 'sd_xl_base_1.0.safetensors', content: randomBytes(1_500_000) });
  const flux: BaseModelSpec = {
    id: 'flux1-dev',
    label: 'FLUX.1-dev',
    description: 'test',
    pageUrl: `${hub.endpoint}/test-org/FLUX.1-dev`,
    licence: 'test',
    files: [
      { id: 'transformer', label: 'Transformer', repo: transformer.repo, revision: 'main', path: transformer.path, target: 'diffusion_models/flux1-dev.safetensors', sizeBytes: transformer.content.length, sha256: sha256(transformer.content), gated: true },
      // Not pinned: size and sha256 come from the hub's x-linked-* headers.
      { id: 'autoencoder', label: 'VAE', repo: vae.repo, revision: 'main', path: vae.path, target: 'vae/ae.safetensors', sizeBytes: null, sha256: null, gated: true },
    ],
  };
  const sdxl: BaseModelSpec = {
    id: 'sdxl',
    label: 'SDXL base 1.0',
    description: 'test',
    pageUrl: `${hub.endpoint}/test-org/sdxl`,
    licence: 'test',
    files: [
      { id: 'checkpoint', label: 'Checkpoint', repo: checkpoint.repo, revision: 'main', path: checkpoint.path, target: 'checkpoints/sd_xl_base_1.0.safetensors', sizeBytes: checkpoint.content.length, sha256: sha256(checkpoint.content), gated: false },
    ],
  };
  return { catalogue: [flux, sdxl], transformer, vae, checkpoint };
}

const getModel = async (stack: TestStack, id: string) => (await request<BaseModel>(stack, `/api/models/${id}`)).body;

function waitForModel(stack: TestStack, id: string, done: (m: BaseModel) => boolean, timeoutMs = 90_000): Promise<BaseModel> {
  let last: BaseModel | undefined;
  return eventually(
    async () => {
      last = await getModel(stack, id);
      return done(last) ? last : undefined;
    },
    timeoutMs,
    () => `model ${id}: ${JSON.stringify(last)}`,
  );
}

function logText(stack: TestStack): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(stack.config.log.dir);
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('model provisioning as a durable workflow, against a local Hugging Face stand-in', () => {
  let hub: HubServer;
  let stack: TestStack;
  let files: ReturnType<typeof testCatalogue>;
  beforeAll(async () => {
    hub = await startHubServer();
    files = testCatalogue(hub);
    stack = await startTestStack({ env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN }, models: files.catalogue });
  });
  afterAll(async () => {
    await stack?.stop();
    await hub?.close();
  });

  it('lists every model and file as missing at first', async () => {
    const res = await request<ModelList>(stack, '/api/models');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hfTokenSet: true, hfEndpoint: hub.endpoint });
    expect(res.body.items.map((m) => [m.id, m.state, m.gated])).toEqual([
      ['flux1-dev', 'missing', true],
      ['sdxl', 'missing', false],
    ]);
    expect(res.body.items[0]!.files.map((f) => [f.id, f.state, f.path, f.totalBytes])).toEqual([
      ['transformer', 'missing', 'models/base/diffusion_models/flux1-dev.safetensors', 3_000_000],
      ['autoencoder', 'missing', 'models/base/vae/ae.safetensors', null],
    ]);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('downloads through dropped connections, resuming with ranges, and verifies every file', async () => {
    files.transformer.dropAfter = [700_000, 900_000];
    const [first, second] = await Promise.all([
      request<BaseModel>(stack, '/api/models/flux1-dev/provision', { method: 'POST' }),
      request<BaseModel>(stack, '/api/models/flux1-dev/provision', { method: 'POST' }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.workflowId).toBe('models-flux1-dev');

    const ready = await waitForModel(stack, 'flux1-dev', (m) => m.state !== 'downloading');
    expect(ready.error).toBeNull();
    expect(ready.state).toBe('ready');
    expect(ready.files.map((f) => [f.id, f.state, f.bytesDone, f.totalBytes])).toEqual([
      ['transformer', 'ready', 3_000_000, 3_000_000],
      ['autoencoder', 'ready', 200_000, 200_000],
    ]);
    const base = stack.config.storage.baseModels;
    expect(sha256(readFileSync(path.join(base, 'diffusion_models', 'flux1-dev.safetensors')))).toBe(sha256(files.transformer.content));
    expect(sha256(readFileSync(path.join(base, 'vae', 'ae.safetensors')))).toBe(sha256(files.vae.content));
    expect(existsSync(path.join(base, 'diffusion_models', 'flux1-dev.safetensors.part'))).toBe(false);

    // One workflow for both clicks, so one download: the first request, then one range request per drop, each from
    // the bytes kept so far (what was still in flight when the connection broke is asked for again).
    expectResumesAfterDrops(
      hub.downloads(files.transformer).map((r) => r.range),
      [700_000, 900_000],
    );

    // The token went to the hub for the gated files, never to the CDN, and never into a log line.
    expect(hub.downloads(files.transformer).every((r) => r.authorization === undefined)).toBe(true);
    expect(hub.requests.filter((r) => r.path.includes('/resolve/')).every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const logs = logText(stack);
    expect(logs).toContain('"event":"models.file_ready"');
    expect(logs).not.toContain(TOKEN);
  });

  it('keeps verified files: downloading a ready model again asks nothing of the hub', async () => {
    const before = hub.requests.length;
    const res = await request<BaseModel>(stack, '/api/models/flux1-dev/provision', { method: 'POST' });
    expect(res.status).toBe(202);
    const handle = stack.plane.temporal.workflow.getHandle('models-flux1-dev');
    const result = (await handle.result()) as { files: Array<{ id: string; alreadyPresent: boolean }> };
    expect(result.files.map((f) => [f.id, f.alreadyPresent])).toEqual([
      ['transformer', true],
      ['autoencoder', true],
    ]);
    // Not even a question to the hub: the files were verified before and are untouched.
    expect(hub.requests).toHaveLength(before);
    expect((await getModel(stack, 'flux1-dev')).state).toBe('ready');
  });

  it('rejects a corrupted download with an explanation and removes the bad file', async () => {
    files.checkpoint.corruptWith = randomBytes(files.checkpoint.content.length);
    await request(stack, '/api/models/sdxl/provision', { method: 'POST' });
    const failed = await waitForModel(stack, 'sdxl', (m) => m.state !== 'downloading');
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('checksum_mismatch');
    expect(failed.error?.message).toContain('damaged or not the expected one');
    expect(failed.error?.message).toContain(`expected ${sha256(files.checkpoint.content)}`);
    expect(failed.files[0]).toMatchObject({ state: 'failed', bytesDone: 0 });
    const target = path.join(stack.config.storage.baseModels, 'checkpoints', 'sd_xl_base_1.0.safetensors');
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
    // Not retried: the same wrong bytes would come again.
    expect(hub.downloads(files.checkpoint)).toHaveLength(1);
  });

  it('stops on cancel keeping the bytes so far, and the next download resumes from them', async () => {
    files.checkpoint.corruptWith = undefined;
    files.checkpoint.holdAt = 400_000;
    await request(stack, '/api/models/sdxl/provision', { method: 'POST' });
    await waitForModel(stack, 'sdxl', (m) => m.state === 'downloading' && m.files[0]!.bytesDone === 400_000, 60_000);
    const cancel = await request<BaseModel>(stack, '/api/models/sdxl/cancel', { method: 'POST' });
    expect(cancel.status).toBe(202);

    const stopped = await waitForModel(stack, 'sdxl', (m) => m.state !== 'downloading');
    expect(stopped.state).toBe('missing');
    expect(stopped.error).toBeNull();
    const kept = stopped.files[0]!.bytesDone;
    expect(kept).toBe(400_000);
    const target = path.join(stack.config.storage.baseModels, 'checkpoints', 'sd_xl_base_1.0.safetensors');
    expect(statSync(`${target}.part`).size).toBe(kept);

    const again = await request<ApiErrorBody>(stack, '/api/models/sdxl/cancel', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('SDXL base 1.0 is not downloading');

    files.checkpoint.holdAt = undefined;
    await request(stack, '/api/models/sdxl/provision', { method: 'POST' });
    const ready = await waitForModel(stack, 'sdxl', (m) => m.state !== 'downloading');
    expect(ready.state).toBe('ready');
    expect(hub.downloads(files.checkpoint).at(-1)?.range).toBe(`bytes=${kept}-`);
    expect(sha256(readFileSync(target))).toBe(sha256(files.checkpoint.content));
  });

  it('refuses an unknown model id', async () => {
    const res = await request<ApiErrorBody>(stack, '/api/models/../etc/provision', { method: 'POST' });
    expect(res.status).toBe(404);
    const bad = await request<ApiErrorBody>(stack, '/api/models/flux2/provision', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('must be one of: flux1-dev, sdxl');
  });
});

describe('a gated model without HF_TOKEN', () => {
  let hub: HubServer;
  let stack: TestStack;
  beforeAll(async () => {
    hub = await startHubServer();
    const { catalogue } = testCatalogue(hub);
    stack = await startTestStack({ env: { HF_ENDPOINT: hub.endpoint }, models: catalogue });
  });
  afterAll(async () => {
    await stack?.stop();
    await hub?.close();
  });

  it('fails at once with the licence step and HF_TOKEN explained', async () => {
    expect((await request<ModelList>(stack, '/api/models')).body.hfTokenSet).toBe(false);
    await request(stack, '/api/models/flux1-dev/provision', { method: 'POST' });
    const failed = await waitForModel(stack, 'flux1-dev', (m) => m.state !== 'downloading');
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('gated');
    expect(failed.error?.message).toContain('test-org/FLUX.1-dev is a gated model');
    expect(failed.error?.message).toContain(`open ${hub.endpoint}/test-org/FLUX.1-dev and accept the licence`);
    expect(failed.error?.message).toContain('sets it as HF_TOKEN');
    expect(failed.files.map((f) => f.state)).toEqual(['failed', 'missing']);
    expect(hub.requests.filter((r) => r.path.startsWith('/cdn/'))).toEqual([]);
  });
});

describe('a download that cannot reach Hugging Face', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const hub = await startHubServer();
    const { catalogue } = testCatalogue(hub);
    // The hub is gone: nothing answers at its address.
    await hub.close();
    stack = await startTestStack({ env: { HF_ENDPOINT: hub.endpoint }, models: catalogue });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('shows why at once, tries again a few times over about a minute, then ends with the reason kept on the card', { timeout: 150_000 }, async () => {
    await request(stack, '/api/models/sdxl/provision', { method: 'POST' });
    const trying = await waitForModel(stack, 'sdxl', (m) => m.retrying !== null, 30_000);
    expect(trying.state).toBe('downloading');
    expect(trying.retrying).toMatch(/ECONNREFUSED|connect|refused/i);
    expect(trying.files[0]).toMatchObject({ state: 'downloading', retrying: trying.retrying });

    const failed = await waitForModel(stack, 'sdxl', (m) => m.state !== 'downloading', 120_000);
    expect(failed).toMatchObject({ state: 'failed', retrying: null, error: { code: 'network' } });
    expect(failed.error?.message).toMatch(/ECONNREFUSED|connect|refused/i);
    expect(failed.files[0]).toMatchObject({ state: 'failed', error: failed.error });
  });
});
