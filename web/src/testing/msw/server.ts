import { setupServer } from 'msw/node';
import { characterHandlers } from './handlers/characters';
import { systemHandlers } from './handlers/system';
import { db } from './db';

export const server = setupServer(...characterHandlers, ...systemHandlers);

server.events.on('request:start', ({ request }) => {
  db.correlationIds.push(request.headers.get('X-Correlation-ID'));
});
