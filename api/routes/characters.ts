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
import { deletionImpact } from '../../db/repositories/character-impact';
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

  /** What deleting the character would take with it, and the jobs that must end first (the delete dialog shows it). */
  router.get('/:id/deletion-impact', async (req, res) => {
    const id = idParam(req.params.id);
    if (!(await getCharacter(db, id))) throw notFound('Character');
    res.json(await deletionImpact(db, id));
  });

  router.delete('/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const character = await getCharacter(db, id);
    if (!character) throw notFound('Character');
    // A job still running would go on for a character that no longer exists (and a stopped training would register
    // its LoRA to it): it must end first.
    const { activeTrainings, activeGenerations } = await deletionImpact(db, id);
    if (activeTrainings.length + activeGenerations.length > 0) {
      const jobs = [
        activeTrainings.length > 0 ? `a training (${activeTrainings.map((r) => r.id).join(', ')})` : null,
        activeGenerations.length > 0 ? `${activeGenerations.length} generation${activeGenerations.length === 1 ? '' : 's'}` : null,
      ].filter(Boolean);
      throw new HttpError(409, 'conflict', `${character.name} still has ${jobs.join(' and ')} queued or running: stop or cancel it, or wait for it to end, then delete.`, {
        activeTrainings,
        activeGenerations,
      });
    }
    if (!(await deleteCharacter(db, id))) throw notFound('Character');
    logger.info('character.deleted', 'Character deleted', { characterId: id });
    res.status(204).end();
  });

  return router;
}
