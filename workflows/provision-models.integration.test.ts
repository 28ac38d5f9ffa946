import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Character } from '../lib/contracts/characters';
import type { ApiErrorBody } from '../lib/contracts/errors';
import type { BaseModel } from '../lib/contracts/models';
import { CAPTIONER_CATALOGUE } from '../lib/models/catalogue';
import type { BaseModelSpec, ModelFileSpec } from '../lib/models/catalogue';
import { gitBlobSha1, sha256, startHubServer, type HubFile, type HubServer } from '../test/helpers/hf-server';
import { request } from '../test/helpers/http';
import { eventually, startTestStack, type TestStack } from '../test/helpers/stack';

/**
 * `provisionModels` for a model the catalogue does not pin by hash (the captioner, issue 24), through the whole stack
 * against the local Hugging Face stand-in: `main` is pinned to one commit at the first download, every file comes
 * from it, small git files are verified by their git blob id and LFS files by their sha256, and a later download of
 * the same model stays on the recorded commit even when `main` has moved on.
 */
const REPO = 'test-org/Qwen3-VL';
const FIRST = '1111111111111111111111111111111111111111';
const LATER = '2222222222222222222222222222222222222222';
const FOLDER = 'captioners/Qwen3-VL';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function captionerFile(id: string, file: string): ModelFileSpec {
  return { id, label: file, repo: REPO, revision: 'main', pinToCommit: true, path: file, target: `${FOLDER}/${file}`, sizeBytes: null, sha256: null, gated: false };
}

const captioner: BaseModelSpec = {
  id: 'qwen3-vl-4b-instruct',
  kind: 'captioner',
  label: 'Captioner',
  description: 'test',
  pageUrl: 'https://example.invalid/test-org/Qwen3-VL',
  licence: 'test',
  files: [captionerFile('config', 'config.json'), captionerFile('tokenizer', 'tokenizer.json'), captionerFile('weights', 'model.safetensors')],
};

/** The repository at one commit: `main` points to it, and it stays reachable by its id. */
function publish(hub: HubServer, commit: string, onMain: boolean): Record<'config' | 'tokenizer' | 'weights', HubFile> {
  const add = (file: string, content: Buffer, lfs: boolean) =>
    hub.add({ repo: REPO, revision: onMain ? 'main' : commit, commit, path: file, content, lfs });
  return {
    config: add('config.json', json({ model_type: 'qwen3_vl', commit }), false),
    tokenizer: add('tokenizer.json', json({ vocab: Array.from({ length: 2000 }, (_, i) => `t${i}-${commit.slice(0, 4)}`) }), false),
    weights: add('model.safetensors', randomBytes(1_200_000), true),
  };
}

const getModel = async (stack: TestStack) => (await request<BaseModel>(stack, `/api/models/${captioner.id}`)).body;

function waitForEnd(stack: TestStack): Promise<BaseModel> {
  let last: BaseModel | undefined;
  return eventually(
    async () => {
      last = await getModel(stack);
      return last.state !== 'downloading' ? last : undefined;
    },
    90_000,
    () => `captioner: ${JSON.stringify(last)}`,
  );
}

describe('provisioning a model that follows a branch, against a local Hugging Face stand-in', () => {
  let hub: HubServer;
  let stack: TestStack;
  let first: ReturnType<typeof publish>;
  const inFolder = (file: string) => path.join(stack.config.storage.baseModels, FOLDER, file);

  beforeAll(async () => {
    hub = await startHubServer();
    first = publish(hub, FIRST, true);
    stack = await startTestStack({ env: { HF_ENDPOINT: hub.endpoint }, models: [captioner] });
  });
  afterAll(async () => {
    await stack?.stop();
    await hub?.close();
  });

  it('lists the captioner as its own kind, not downloaded, with no commit yet', async () => {
    const model = await getModel(stack);
    expect(model).toMatchObject({ kind: 'captioner', state: 'missing', hubCommit: null, totalBytes: null });
  });

  it('refuses a small git file whose bytes do not match its git blob id, and deletes them', async () => {
    first.config.corruptWith = json({ model_type: 'tampered', commit: FIRST });
    await request(stack, `/api/models/${captioner.id}/provision`, { method: 'POST' });
    const failed = await waitForEnd(stack);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('checksum_mismatch');
    expect(failed.error?.message).toContain(`expected ${gitBlobSha1(first.config.content)}`);
    expect(existsSync(inFolder('config.json'))).toBe(false);
    expect(existsSync(`${inFolder('config.json')}.part`)).toBe(false);
    // The commit `main` pointed to is recorded already: the next download uses it.
    expect(failed.hubCommit).toBe(FIRST);
  });

  it('fetches every file from the recorded commit, verified against the hub, even after main moved on', async () => {
    first.config.corruptWith = undefined;
    // `main` now points to a later commit with other files; the first commit's files stay reachable by its id.
    for (const file of Object.values(first)) hub.files.delete(`${REPO}/resolve/main/${file.path}`);
    for (const file of Object.values(first)) hub.add({ ...file, revision: FIRST });
    const later = publish(hub, LATER, true);

    await request(stack, `/api/models/${captioner.id}/provision`, { method: 'POST' });
    const ready = await waitForEnd(stack);
    expect(ready.error).toBeNull();
    expect(ready).toMatchObject({ state: 'ready', hubCommit: FIRST });
    expect(ready.totalBytes).toBe(first.config.content.length + first.tokenizer.content.length + first.weights.content.length);
    for (const file of Object.values(first)) expect(sha256(readFileSync(inFolder(file.path)))).toBe(sha256(file.content));

    // Nothing came from `main` or the later commit: only the first run's resolving HEAD named a branch.
    const resolves = hub.requests.filter((r) => r.path.includes('/resolve/'));
    expect(resolves.filter((r) => r.path.includes('/resolve/main/'))).toEqual([expect.objectContaining({ method: 'HEAD', path: `/${REPO}/resolve/main/config.json` })]);
    expect(resolves.filter((r) => r.path.includes(LATER))).toEqual([]);
    expect(hub.downloads(later.config)).toEqual([]);
  });
});

describe('"Write captions" in production before the captioner is downloaded', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ISENGARD_MODE: 'production' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('is refused with a pointer to the Models page until every file of the model is in place', async () => {
    const { body: character } = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: 'Captions Before The Model' } });
    const refused = await request<ApiErrorBody>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { style: 'short' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'The captioning model Qwen3-VL-4B-Instruct (captioner) is not downloaded yet: download it on the Models page, then write captions',
    );
    expect(refused.body.error.details).toEqual({ modelId: 'qwen3-vl-4b-instruct', modelsPage: '/models' });

    // Every file but one in place is still not the model.
    const files = CAPTIONER_CATALOGUE[0]!.files;
    for (const file of files.slice(1)) {
      const target = path.join(stack.config.storage.baseModels, file.target);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, '{}');
    }
    expect((await request(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: { style: 'short' } })).status).toBe(409);
  });
});
