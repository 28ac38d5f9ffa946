import { setupServer } from 'msw/node';
import { authHandlers } from './handlers/auth';
import { captionHandlers } from './handlers/captions';
import { characterHandlers } from './handlers/characters';
import { generationHandlers } from './handlers/generations';
import { modelHandlers } from './handlers/models';
import { photoHandlers } from './handlers/photos';
import { preRunHandlers } from './handlers/pre-run';
import { systemHandlers } from './handlers/system';
import { trainingHandlers } from './handlers/trainings';
import { db } from './db';

export const server = setupServer(...authHandlers, ...characterHandlers, ...photoHandlers, ...captionHandlers, ...preRunHandlers, ...trainingHandlers, ...generationHandlers, ...systemHandlers, ...modelHandlers);

server.events.on('request:start', ({ request }) => {
  db.correlationIds.push(request.headers.get('X-Correlation-ID'));
  if (request.method !== 'GET') db.csrfTokens.push(request.headers.get('X-CSRF-Token'));
});
