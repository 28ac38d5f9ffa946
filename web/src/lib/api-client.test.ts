import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { characterListSchema } from '../../../lib/contracts/characters';
import { healthSchema } from '../../../lib/contracts/health';
import { healthDown } from '../testing/fixtures/health';
import { db } from '../testing/msw/db';
import { server } from '../testing/msw/server';
import { ApiError, apiRequest } from './api-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('apiRequest', () => {
  it('sends a fresh X-Correlation-ID with every request', async () => {
    await apiRequest('/characters', characterListSchema);
    await apiRequest('/characters', characterListSchema);

    expect(db.correlationIds).toHaveLength(2);
    for (const id of db.correlationIds) expect(id).toMatch(UUID);
    expect(db.correlationIds[0]).not.toBe(db.correlationIds[1]);
  });

  it('turns an API error body into a typed ApiError', async () => {
    server.use(
      http.post('/api/characters', () =>
        HttpResponse.json(
          {
            error: {
              code: 'validation_failed',
              message: 'Invalid request body: name: Name cannot be empty',
              details: [{ field: 'name', message: 'Name cannot be empty' }],
            },
          },
          { status: 400, headers: { 'X-Correlation-ID': 'req-1' } },
        ),
      ),
    );

    const error = await failure(apiRequest('/characters', characterListSchema, { method: 'POST', body: { name: '' } }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ field: 'name', message: 'Name cannot be empty' }]);
    expect(error.correlationId).toBe('req-1');
  });

  it('explains a server that cannot be reached', async () => {
    server.use(http.get('/api/characters', () => HttpResponse.error()));

    const error = await failure(apiRequest('/characters', characterListSchema));
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/cannot reach the isengard server/i);
  });

  it('explains an answer that is not the API (a proxy error page)', async () => {
    server.use(http.get('/api/characters', () => new HttpResponse('<html>Bad Gateway</html>', { status: 502 })));

    const error = await failure(apiRequest('/characters', characterListSchema));
    expect(error.status).toBe(502);
    expect(error.code).toBe('unavailable');
  });

  it('rejects an answer that does not match the shared contract', async () => {
    server.use(http.get('/api/characters', () => HttpResponse.json({ items: [{ id: 'not-a-uuid' }] })));

    const error = await failure(apiRequest('/characters', characterListSchema));
    expect(error.code).toBe('invalid_response');
  });

  it('reads the body of a status it was told to accept', async () => {
    server.use(http.get('/api/health', () => HttpResponse.json(healthDown, { status: 503 })));

    await expect(apiRequest('/health', healthSchema, { acceptStatuses: [503] })).resolves.toEqual(healthDown);
  });
});
