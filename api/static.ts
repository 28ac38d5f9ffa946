import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/**
 * Serves the built web app, with client-side routes (e.g. /characters/123) answered by index.html.
 * Hashed assets are cached for a year; index.html never, so a new build is picked up at once.
 */
export function webAppRouter(webDir: string): Router {
  const router = Router();
  const index = path.join(webDir, 'index.html');
  router.use(
    express.static(webDir, {
      index: false,
      setHeaders: (res, file) => {
        if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  router.get(/^(?!\/api(\/|$)).*/, (_req, res) => {
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The web app has not been built yet. Run "npm run build" (npm start does it for you).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
