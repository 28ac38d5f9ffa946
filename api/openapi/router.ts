import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { PROJECT_ROOT } from '../../lib/project-root';
import { openApiDocument } from './document';
import { referencePage } from './reference-page';

/** `/api/openapi.json` and the reference page `/api/docs`, built once from the route table and the contracts. */
export function openApiRouter(): Router {
  const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const document = openApiDocument(version);
  const page = referencePage(document);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  return router;
}
