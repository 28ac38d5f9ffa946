import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Character, CharacterList } from '../../lib/contracts/characters';
import type { ApiErrorBody } from '../../lib/contracts/errors';
import { testDatabaseKinds } from '../helpers/databases';
import { request } from '../helpers/http';
import { startTestStack, type TestStack } from '../helpers/stack';

describe.each(testDatabaseKinds())('characters API (%s)', (kind) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ db: kind });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates a character with a derived trigger word, then reads, lists, renames and deletes it', async () => {
    const created = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name: '  Subject One ' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/characters/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'Subject One', notes: '' });
    expect(created.body.triggerWord).toMatch(/^subjectone_[a-z0-9]{4}$/);

    const id = created.body.id;
    expect((await request<Character>(stack, `/api/characters/${id}`)).body).toEqual(created.body);
    expect((await request<CharacterList>(stack, '/api/characters')).body.items.map((c) => c.id)).toContain(id);

    const renamed = await request<Character>(stack, `/api/characters/${id}`, {
      method: 'PATCH',
      body: { name: 'Ada', triggerWord: 'ada_lvl' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Ada', triggerWord: 'ada_lvl' });

    expect((await request(stack, `/api/characters/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await request<ApiErrorBody>(stack, `/api/characters/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toEqual({ code: 'not_found', message: 'Character was not found' });
    expect((await request(stack, `/api/characters/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('explains every validation problem with a 400', async () => {
    const bad = await request<ApiErrorBody>(stack, '/api/characters', {
      method: 'POST',
      body: { name: '', triggerWord: 'has space', color: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'Name cannot be empty' },
        { field: 'triggerWord', message: 'Trigger word can only use letters A–Z, digits, - and _ (no spaces)' },
        { field: 'request body', message: 'Unknown field: color' },
      ]),
    );
    const long = await request<ApiErrorBody>(stack, '/api/characters', { method: 'POST', body: { name: 'x'.repeat(81) } });
    expect(long.body.error.message).toBe('Invalid request body: name: Name can be at most 80 characters');
    const wrongType = await request<ApiErrorBody>(stack, '/api/characters', { method: 'POST', body: { name: 42 } });
    expect(wrongType.body.error.message).toBe('Invalid request body: name: Name must be text');
    const empty = await request<ApiErrorBody>(stack, '/api/characters/00000000-0000-4000-8000-000000000000', {
      method: 'PATCH',
      body: {},
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('Invalid request body: Send at least one of: name, triggerWord, notes');
  });

  it('answers 409 for a name that is taken, whatever its case', async () => {
    await request(stack, '/api/characters', { method: 'POST', body: { name: 'Grace' } });
    const dup = await request<ApiErrorBody>(stack, '/api/characters', { method: 'POST', body: { name: 'grace' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toEqual({ code: 'conflict', message: 'A character named "grace" already exists' });
  });

  it('refuses malformed JSON, non-JSON bodies, bad ids and unknown routes with clear 4xx', async () => {
    const json = await request<ApiErrorBody>(stack, '/api/characters', {
      method: 'POST',
      raw: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
    expect(json.body.error).toEqual({ code: 'invalid_json', message: 'The request body is not valid JSON' });

    const form = await request<ApiErrorBody>(stack, '/api/characters', {
      method: 'POST',
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);

    for (const id of ['123', '..%2F..%2Fetc%2Fpasswd', "1' or '1'='1"]) {
      const res = await request<ApiErrorBody>(stack, `/api/characters/${id}`);
      expect(res.status, id).toBe(400);
      expect(res.body.error.message).toMatch(/^Invalid id: must be a UUID/);
    }
    const unknown = await request<ApiErrorBody>(stack, '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');

    const huge = await request<ApiErrorBody>(stack, '/api/characters', {
      method: 'POST',
      body: { name: 'x', notes: 'n'.repeat(300_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('keeps unicode, right-to-left and SQL-looking names verbatim', async () => {
    for (const name of ['زينب', 'Zoë 🎨', "O'Brien; DROP TABLE characters;--"]) {
      const res = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name } });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(name);
      expect(res.body.triggerWord).toMatch(/^[a-z0-9]+_[a-z0-9]{4}$/);
    }
    const bidi = await request<ApiErrorBody>(stack, '/api/characters', { method: 'POST', body: { name: 'abc\u202Eevil' } });
    expect(bidi.status).toBe(400);
  });

  it('echoes the X-Correlation-ID it was given, and makes one when absent or malformed', async () => {
    const given = await request(stack, '/api/characters', { headers: { 'X-Correlation-ID': 'trace-42' } });
    expect(given.headers.get('x-correlation-id')).toBe('trace-42');
    const made = await request(stack, '/api/characters', { headers: { 'X-Correlation-ID': 'bad id with spaces' } });
    expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
