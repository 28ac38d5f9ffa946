import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import type { Character } from '../../lib/contracts/characters';
import { apiErrorSchema } from '../../lib/contracts/errors';
import { rowsOf } from '../helpers/databases';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';

const TABLES = ['characters', 'photos', 'training_runs', 'generations', 'outputs', 'loras', 'self_tests', 'api_tokens'];
const ID = '00000000-0000-4000-8000-000000000000';

interface Attack {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** The exact answer expected, where more than "a 4xx" is known. */
  status?: number;
  message?: string;
}

const NUL = '\u0000';
/** Half of 😀 (U+1F600 is D83D DE00 in UTF-16): a character cut in two. */
const LONE_HIGH = '\uD83D';
const LONE_LOW = '\uDE00';

/**
 * Text PostgreSQL refuses (a NUL, half of a surrogate pair) in every free-text field of every request: a 400 that
 * names the field and the character, never the database's 500.
 */
function unstorableText(characterId: string): Attack[] {
  const nul = '(U+0000)';
  const high = '(U+D83D, half of a character cut in two)';
  const low = '(U+DE00, half of a character cut in two)';
  const cases: Array<[string, Attack['method'], string, Record<string, unknown>, string, string]> = [
    ['prompt', 'POST', '/api/generations', { prompt: `a cat${NUL}` }, 'prompt', nul],
    ['prompt', 'POST', '/api/generations', { prompt: `a cat ${LONE_HIGH}` }, 'prompt', high],
    ['negative prompt', 'POST', '/api/generations', { prompt: 'a cat', baseModel: 'sdxl', negativePrompt: `blur${NUL}` }, 'negativePrompt', nul],
    ['negative prompt', 'POST', '/api/generations', { prompt: 'a cat', baseModel: 'sdxl', negativePrompt: `${LONE_LOW}blur` }, 'negativePrompt', low],
    ['new character name', 'POST', '/api/characters', { name: `Ada ${LONE_HIGH}` }, 'name', high],
    ['new character name', 'POST', '/api/characters', { name: `Ada${NUL}` }, 'name', nul],
    ['new character notes', 'POST', '/api/characters', { name: 'Ada', notes: `likes${NUL}tea` }, 'notes', nul],
    ['new character notes', 'POST', '/api/characters', { name: 'Ada', notes: `likes ${LONE_LOW}` }, 'notes', low],
    ['new character trigger word', 'POST', '/api/characters', { name: 'Ada', triggerWord: `ada${NUL}` }, 'triggerWord', nul],
    ['renamed character', 'PATCH', `/api/characters/${characterId}`, { name: `Ada ${LONE_HIGH}` }, 'name', high],
    ['character notes', 'PATCH', `/api/characters/${characterId}`, { notes: `x${NUL}` }, 'notes', nul],
    ['character notes', 'PATCH', `/api/characters/${characterId}`, { notes: `x${LONE_HIGH}` }, 'notes', high],
    ['character trigger word', 'PATCH', `/api/characters/${characterId}`, { triggerWord: `ada${LONE_HIGH}` }, 'triggerWord', high],
    ['photo caption', 'PATCH', `/api/photos/${ID}`, { caption: `photo of [trigger]${NUL}` }, 'caption', nul],
    ['photo caption', 'PATCH', `/api/photos/${ID}`, { caption: `photo of [trigger] ${LONE_HIGH}` }, 'caption', high],
    ['training sample prompt', 'POST', `/api/characters/${characterId}/trainings`, { preset: 'quick', advanced: { samplePrompts: ['ok', `[trigger]${NUL}`] } }, 'advanced.samplePrompts.1', nul],
    ['training sample prompt', 'POST', `/api/characters/${characterId}/trainings`, { preset: 'quick', advanced: { samplePrompts: [`[trigger] ${LONE_LOW}`] } }, 'advanced.samplePrompts.0', low],
    ['API token name', 'POST', '/api/auth/tokens', { name: `ci${NUL}` }, 'name', nul],
    ['API token name', 'POST', '/api/auth/tokens', { name: `ci ${LONE_HIGH}` }, 'name', high],
  ];
  return cases.map(([what, method, path, body, field, found]) => ({
    name: `${what}: ${found}`,
    method,
    path,
    body,
    status: 400,
    message: `Invalid request body: ${field}: contains a character that cannot be stored ${found}`,
  }));
}

/**
 * Requests a careless or hostile client might send. Each must get a clear 4xx in the API's error shape, write
 * nothing, and leave the server healthy.
 */
function corpus(characterId: string): Attack[] {
  const huge = 'x'.repeat(300_000);
  const traversal = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', '.%00.', "1'; drop table characters;--", '💥', 'ＡＢＣ'];
  return [
    ...traversal.flatMap((id): Attack[] => [
      { name: `character id ${id}`, method: 'GET', path: `/api/characters/${id}` },
      { name: `photo file id ${id}`, method: 'GET', path: `/api/photos/${id}/file` },
      { name: `output id ${id}`, method: 'GET', path: `/api/outputs/${id}` },
      { name: `lora file id ${id}`, method: 'GET', path: `/api/loras/${id}/file` },
      { name: `training sample ${id}`, method: 'GET', path: `/api/trainings/${ID}/samples/${id}` },
      { name: `delete generation ${id}`, method: 'DELETE', path: `/api/generations/${id}` },
    ]),
    { name: 'checkpoint step traversal', method: 'GET', path: `/api/trainings/${ID}/checkpoints/..%2F..%2Fconfig` },
    { name: 'malformed JSON', method: 'POST', path: '/api/characters', raw: '{"name": "x"', contentType: 'application/json' },
    { name: 'JSON array body', method: 'POST', path: '/api/characters', body: ['name'] },
    { name: 'JSON null body', method: 'POST', path: '/api/generations', raw: 'null', contentType: 'application/json' },
    { name: 'form-encoded body', method: 'POST', path: '/api/characters', raw: 'name=x', contentType: 'application/x-www-form-urlencoded' },
    { name: 'text named JSON', method: 'POST', path: '/api/generations', raw: 'prompt: hi', contentType: 'text/plain' },
    { name: 'body over the limit', method: 'POST', path: '/api/characters', body: { name: 'x', notes: huge } },
    { name: 'huge prompt', method: 'POST', path: '/api/generations', body: { prompt: 'y'.repeat(5_000) } },
    { name: 'wrong types', method: 'POST', path: '/api/generations', body: { prompt: 42, steps: '20', batch: 2.5, seed: -1 } },
    { name: 'seed beyond safe integers', method: 'POST', path: '/api/generations', body: { prompt: 'x', seed: 2 ** 64 } },
    { name: 'invalid enums', method: 'POST', path: '/api/generations', body: { prompt: 'x', sampler: 'DROP TABLE', scheduler: 'x', aspect: 'huge', baseModel: 'sd15' } },
    { name: 'unknown fields', method: 'POST', path: '/api/characters', body: { name: 'x', isAdmin: true } },
    { name: 'prototype pollution', method: 'POST', path: '/api/characters', raw: '{"name":"x","__proto__":{"admin":true}}', contentType: 'application/json' },
    { name: 'control characters in a name', method: 'POST', path: '/api/characters', body: { name: 'a\u0000b' } },
    { name: 'right-to-left override in a name', method: 'POST', path: '/api/characters', body: { name: 'good\u202Egpj.exe' } },
    { name: 'invalid preset', method: 'POST', path: `/api/characters/${characterId}/trainings`, body: { preset: 'ultra' } },
    { name: 'advanced out of range', method: 'POST', path: `/api/characters/${characterId}/trainings`, body: { preset: 'quick', advanced: { steps: 10 ** 9, learningRate: 'fast' } } },
    { name: 'gallery limit out of range', method: 'GET', path: '/api/generations?limit=100000' },
    { name: 'gallery forged cursor', method: 'GET', path: "/api/generations?cursor=' OR 1=1 --" },
    { name: 'gallery unknown query', method: 'GET', path: '/api/generations?orderBy=password' },
    { name: 'photo upload not multipart', method: 'POST', path: `/api/characters/${characterId}/photos`, body: { photos: [] } },
    { name: 'caption too long', method: 'PATCH', path: `/api/photos/${ID}`, body: { caption: 'c'.repeat(5_000) } },
    { name: 'rerun with a bad seed', method: 'POST', path: `/api/generations/${ID}/rerun`, body: { seed: 'random' } },
    { name: 'internal API without its token', method: 'POST', path: `/internal/trainings/${ID}/report`, body: {} },
    { name: 'client log too long', method: 'POST', path: '/api/client-logs', body: { message: huge.slice(0, 10_000) } },
    { name: 'unknown route', method: 'GET', path: '/api/no/such/route' },
    { name: 'API token expiring in 0 days', method: 'POST', path: '/api/auth/tokens', body: { name: 'ci', expiresInDays: 0 }, status: 400 },
    { name: 'API token expiring after ten years', method: 'POST', path: '/api/auth/tokens', body: { name: 'ci', expiresInDays: 3651 }, status: 400 },
    { name: 'API token name with a text-direction override', method: 'POST', path: '/api/auth/tokens', body: { name: 'ci\u202Egpj' }, status: 400 },
    { name: 'gallery cursor with a NUL', method: 'GET', path: '/api/generations?cursor=%00', status: 400 },
    // A well-formed cursor (a date and an id) whose id is not one: refused before it reaches the database.
    { name: 'gallery cursor with a forged id', method: 'GET', path: `/api/generations?cursor=${Buffer.from('2024-01-01T00:00:00.000Z|not-a-uuid').toString('base64url')}`, status: 400 },
    ...unstorableText(characterId),
  ];
}

describe('hostile input', () => {
  let stack: TestStack;
  let character: Character;
  beforeAll(async () => {
    stack = await startTestStack();
    character = (await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: 'Target' } })).body;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const rows = await rowsOf<{ n: number }>(stack.db.db.execute(sql.raw(`select count(*)::int as n from ${table}`)));
      out[table] = rows[0]!.n;
    }
    return out;
  }

  it('answers every request of the corpus with a clear 4xx, writes nothing, and stays healthy', async () => {
    const before = await counts();
    for (const attack of corpus(character.id)) {
      const headers: Record<string, string> = attack.contentType ? { 'content-type': attack.contentType } : {};
      const res = await request<ApiErrorBody>(stack, attack.path, {
        method: attack.method,
        headers,
        ...(attack.raw !== undefined ? { raw: attack.raw } : {}),
        ...(attack.body !== undefined ? { body: attack.body } : {}),
      });
      expect(res.status, `${attack.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, attack.name).toBeLessThan(500);
      if (attack.status !== undefined) expect(res.status, attack.name).toBe(attack.status);
      if (attack.message !== undefined) expect(res.body.error.message, attack.name).toBe(attack.message);
      if (attack.path.startsWith('/api') || attack.path.startsWith('/internal')) {
        expect(apiErrorSchema.safeParse(res.body).success, `${attack.name}: error shape`).toBe(true);
        expect(JSON.stringify(res.body), attack.name).not.toMatch(/at .+\.ts:\d+|node_modules|Traceback/);
      }
    }
    // Outside /api only the web app is served, never a file from elsewhere on disk.
    for (const path of ['/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2fpackage.json']) {
      const res = await fetch(`${stack.plane.url}${path}`);
      const text = await res.text();
      expect(text, path).not.toMatch(/root:x:0:0|"dependencies"/);
    }
    expect(await counts()).toEqual(before);
    expect((await request(stack, '/api/health')).status).toBe(200);
    expect((await request(stack, `/api/characters/${character.id}`)).status).toBe(200);
  });
});
