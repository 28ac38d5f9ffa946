import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import type { ApiDeps } from '../deps';
import { loadConfig } from '../../lib/config';
import { registeredRoutes } from './express-routes';
import { OPERATIONS } from './operations';

/**
 * The app as the control plane builds it, with dependencies that are never called: only its routes are read, and
 * the two routes of the document itself (which use none of them) are requested.
 */
function appWithRoutesOnly(dataDir: string) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_DIR: path.join(dataDir, 'logs') });
  const passThrough: unknown = new Proxy(function unused() {}, {
    get: (_target, property) => (property === 'then' ? undefined : passThrough),
    // Used as a middleware it lets the request through; called to build one, it gives itself.
    apply: (_target, _this, args: unknown[]) => {
      if (typeof args[2] !== 'function') return passThrough;
      (args[2] as () => void)();
      return undefined;
    },
  });
  const deps = new Proxy({} as ApiDeps, {
    get: (_target, property) => (property === 'config' ? config : property === 'webDir' ? undefined : passThrough),
  });
  return createApp(deps);
}

describe('OpenAPI description of the API', () => {
  let dir: string;
  let app: ReturnType<typeof createApp>;
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isengard-openapi-'));
    app = appWithRoutesOnly(dir);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('/api/openapi.json is a valid OpenAPI 3.1 document', async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string };
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes exactly the routes Express answers under /api, and the other way round', async () => {
    const key = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;
    const registered = registeredRoutes(app).map(key).sort();
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const described = Object.entries(document.paths)
      .flatMap(([route, methods]) => Object.keys(methods).map((method) => key({ method, path: route })))
      .sort();
    // A route missing here is missing in api/openapi/operations.ts.
    expect(described).toEqual(registered);
    expect(new Set(OPERATIONS.map(key)).size).toBe(OPERATIONS.length);
    expect(registered).toContain('POST /api/webhooks/deliveries/{id}/redeliver');
  });

  it('takes its schemas from the zod contracts: request bodies as input, answers as output', async () => {
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> } }>>;
    };
    const tokenBody = document.paths['/api/auth/tokens']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(tokenBody.properties)).toEqual(['name', 'expiresInDays', 'webhook']);
    expect(tokenBody.required).toEqual(['name']);
  });

  it('/api/docs is a readable reference page, with no script and nothing from elsewhere', async () => {
    const res = await fetch(`${base}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<code>/api/generations</code>');
    expect(html).toContain('Isengard-Signature');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
  });
});
