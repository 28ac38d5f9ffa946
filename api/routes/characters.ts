import { Router } from 'express';
import {
  createCharacter,
  deleteCharacter,
  DuplicateNameError,
  getCharacter,
  listCharacters,
  updateCharacter,
} from '../../db/repositories/characters';
import {
  createCharacterInput,
  defaultTriggerWord,
  updateCharacterInput,
} from '../../lib/contracts/characters';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';

function conflictOnDuplicate(err: unknown): never {
  if (err instanceof DuplicateNameError) throw new HttpError(409, 'conflict', err.message);
  throw err;
}

export function charactersRouter({ db: { db }, logger, lists }: ApiDeps): Router {
  const router = Router();

  router.post('/', requireJson, async (req, res) => {
    const input = parseOrThrow(createCharacterInput, req.body);
    const character = await createCharacter(db, {
      name: input.name,
      triggerWord: input.triggerWord ?? defaultTriggerWord(input.name),
      notes: input.notes,
    }).catch(conflictOnDuplicate);
    logger.info('character.created', `Character "${character.name}" created`, { characterId: character.id });
    res.status(201).location(`/api/characters/${character.id}`).json(character);
  });

  router.get('/', lists.cached, async (_req, res) => {
    res.json({ items: await listCharacters(db) });
  });

  router.get('/:id', async (req, res) => {
    const character = await getCharacter(db, idParam(req.params.id));
    if (!character) throw notFound('Character');
    res.json(character);
  });

  router.patch('/:id', requireJson, async (req, res) => {
    const id = idParam(req.params.id);
    const patch = parseOrThrow(updateCharacterInput, req.body);
    const character = await updateCharacter(db, id, patch).catch(conflictOnDuplicate);
    if (!character) throw notFound('Character');
    logger.info('character.updated', `Character "${character.name}" updated`, {
      characterId: id,
      fields: Object.keys(patch),
    });
    res.json(character);
  });

  router.delete('/:id', async (req, res) => {
    const id = idParam(req.params.id);
    if (!(await deleteCharacter(db, id))) throw notFound('Character');
    logger.info('character.deleted', 'Character deleted', { characterId: id });
    res.status(204).end();
  });

  return router;
}
