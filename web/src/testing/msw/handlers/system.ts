import { http, HttpResponse } from 'msw';
import { CAPABILITIES } from '../../../../../lib/contracts/capabilities';
import type { ClientLogEntry } from '../../../lib/error-reporting';
import { buildSelfTest } from '../../fixtures/self-tests';
import { healthOk } from '../../fixtures/health';
import { db } from '../db';

export const systemHandlers = [
  http.get('/api/health', () => HttpResponse.json(healthOk)),
  http.get('/api/capabilities', () => HttpResponse.json({ items: CAPABILITIES })),
  http.post('/api/self-tests', () => HttpResponse.json(buildSelfTest(), { status: 202 })),
  http.get('/api/self-tests/:id', ({ params }) =>
    HttpResponse.json(buildSelfTest({ id: String(params.id), status: 'completed', step: 3 })),
  ),
  http.post('/api/client-logs', async ({ request }) => {
    db.clientLogs.push((await request.json()) as ClientLogEntry);
    return new HttpResponse(null, { status: 204 });
  }),
];
