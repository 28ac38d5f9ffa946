import { http, HttpResponse } from 'msw';
import { buildFlux, buildModelList } from '../../fixtures/models';

export const modelHandlers = [
  http.get('/api/models', () => HttpResponse.json(buildModelList())),
  http.post('/api/models/:id/provision', () => HttpResponse.json(buildFlux({ state: 'downloading' }), { status: 202 })),
  http.post('/api/models/:id/cancel', () => HttpResponse.json(buildFlux({ state: 'downloading' }), { status: 202 })),
];
