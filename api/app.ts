import express, { type Express } from 'express';
import type { ApiDeps } from './deps';
import { correlation } from './middleware/correlation';
import { apiNotFound, errorHandler } from './middleware/error-handler';
import { requestLog } from './middleware/request-log';
import { charactersRouter } from './routes/characters';
import { photosRouter } from './routes/photos';
import { internalRouter } from './routes/internal';
import { generationsRouter } from './routes/generations';
import { lorasRouter } from './routes/loras';
import { selfTestsRouter } from './routes/self-tests';
import { systemRouter } from './routes/system';
import { trainingsRouter } from './routes/trainings';
import { webAppRouter } from './static';

/** The Express app: JSON API under /api, the web app everywhere else. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(correlation);
  app.use(requestLog(deps.logger));
  app.use('/api', express.json({ limit: '256kb' }));

  app.use('/api', systemRouter(deps));
  app.use('/api/characters', charactersRouter(deps));
  app.use('/api', photosRouter(deps));
  app.use('/api/self-tests', selfTestsRouter(deps));
  const trainings = trainingsRouter(deps);
  app.use('/api/characters', trainings.byCharacter);
  app.use('/api/trainings', trainings.byRun);
  const loras = lorasRouter(deps);
  app.use('/api/characters', loras.byCharacter);
  app.use('/api/loras', loras.byLora);
  const gallery = generationsRouter(deps);
  app.use('/api/generations', gallery.generations);
  app.use('/api/outputs', gallery.outputs);
  app.use('/api', apiNotFound);
  app.use('/internal', internalRouter(deps));

  if (deps.webDir) app.use(webAppRouter(deps.webDir));
  app.use(errorHandler(deps.logger));
  return app;
}
