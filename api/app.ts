import express, { type Express } from 'express';
import helmet from 'helmet';
import type { ApiDeps } from './deps';
import { correlation } from './middleware/correlation';
import { apiNotFound, errorHandler } from './middleware/error-handler';
import { requestLog } from './middleware/request-log';
import { authRouter } from './routes/auth';
import { captionsRouter } from './routes/captions';
import { charactersRouter } from './routes/characters';
import { photosRouter } from './routes/photos';
import { internalRouter } from './routes/internal';
import { generationsRouter } from './routes/generations';
import { lorasRouter } from './routes/loras';
import { modelsRouter } from './routes/models';
import { selfTestsRouter } from './routes/self-tests';
import { CLIENT_LOG_LIMITS, systemRouter } from './routes/system';
import { trainingsRouter } from './routes/trainings';
import { webhooksRouter } from './routes/webhooks';
import { openApiRouter } from './openapi/router';
import { webAppRouter } from './static';

/** The Express app: JSON API under /api, the web app everywhere else. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Off by default: X-Forwarded-For is believed only from the proxies TRUST_PROXY names (else any client could
  // claim any address, and the per-address throttle of password guesses would count nothing).
  app.set('trust proxy', deps.config.http.trustProxy);

  app.use(correlation);
  app.use(requestLog(deps.logger));
  app.use(deps.lists.invalidateOnWrite);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          connectSrc: ["'self'"],
          // The Temporal UI is another origin on purpose: links only, nothing embedded.
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      // Plain http on a pod's proxied port is normal: no HSTS from here (a TLS proxy in front can add it).
      strictTransportSecurity: false,
    }),
  );
  // Browser error reports are small: a larger body is refused before it is even parsed.
  app.use('/api/client-logs', express.json({ limit: CLIENT_LOG_LIMITS.bodyBytes }));
  app.use('/api', express.json({ limit: '256kb' }));
  app.use('/api', deps.auth.identify, deps.auth.guard);
  app.use('/api/auth', authRouter(deps));

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
  app.use('/api/models', modelsRouter(deps));
  app.use('/api/webhooks', webhooksRouter(deps));
  app.use('/api', openApiRouter());
  const captions = captionsRouter(deps);
  app.use('/api/characters', captions.byCharacter);
  app.use('/api/caption-jobs', captions.byJob);
  app.use('/api', apiNotFound);
  app.use('/internal', internalRouter(deps));

  if (deps.webDir) app.use(webAppRouter(deps.webDir));
  app.use(errorHandler(deps.logger));
  return app;
}
