import { rm } from 'node:fs/promises';
import { Router } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import { deleteLora, getLora, listAllLoras, listLoras, loraImpact, toLora, updateLora } from '../../db/repositories/loras';
import { artifactKey } from '../../lib/artifacts/keys';
import { loraListQuery, updateLoraInput } from '../../lib/contracts/loras';
import { within } from '../../lib/storage';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, parseOrThrow } from '../errors';
import { requireJson } from '../middleware/error-handler';
import { idParam } from '../params';
import { localCopy, sendStoredFile } from '../send-file';

/** A download name made of the LoRA's own (renamed) name: `Ada best v2` → `ada-best-v2.safetensors`. */
export function downloadFileName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'lora'}.safetensors`;
}

/** The LoRAs: per character, all of them (the LoRAs page), their files, and renaming, notes, favourites, deleting. */
export function lorasRouter({ db: { db }, config, lists, logger, artifacts }: ApiDeps): { byCharacter: Router; byLora: Router } {
  const byCharacter = Router();
  const byLora = Router();

  byCharacter.get('/:id/loras', lists.cached, async (req, res) => {
    const characterId = idParam(req.params.id);
    const items = await listLoras(db, characterId);
    if (items.length === 0 && !(await getCharacter(db, characterId))) throw notFound('Character');
    res.json({ items });
  });

  byLora.get('/', lists.cached, async (req, res) => {
    const query = parseOrThrow(loraListQuery, req.query, 'query');
    res.json({ items: await listAllLoras(db, query) });
  });

  byLora.get('/:id', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    res.json(toLora(row));
  });

  byLora.patch('/:id', requireJson, async (req, res) => {
    const id = idParam(req.params.id);
    const patch = parseOrThrow(updateLoraInput, req.body);
    const row = await updateLora(db, id, patch);
    if (!row) throw notFound('LoRA');
    logger.info('lora.updated', `LoRA "${row.name}" updated`, { loraId: id, fields: Object.keys(patch) });
    res.json(toLora(row));
  });

  byLora.get('/:id/impact', async (req, res) => {
    const impact = await loraImpact(db, idParam(req.params.id));
    if (!impact) throw notFound('LoRA');
    res.json(impact);
  });

  /** Refused with 409 while a queued or running generation uses it; its file is removed, its row kept for the gallery. */
  byLora.delete('/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const outcome = await deleteLora(db, id);
    if ('missing' in outcome) throw notFound('LoRA');
    if ('busy' in outcome) {
      const jobs = (await loraImpact(db, id))?.activeJobs.length ?? 0;
      throw new HttpError(
        409,
        'conflict',
        `This LoRA is used by ${jobs === 1 ? 'a generation that is' : `${jobs} generations that are`} queued or running; cancel ${jobs === 1 ? 'it' : 'them'} or wait for ${jobs === 1 ? 'it' : 'them'} to finish`,
      );
    }
    const { deleted } = outcome;
    await artifacts.remove(artifactKey(deleted.filePath));
    await rm(within(config.storage.root, deleted.filePath), { force: true });
    logger.info('lora.deleted', `LoRA "${deleted.name}" deleted`, { loraId: id, file: deleted.filePath });
    res.status(204).end();
  });

  byLora.get('/:id/file', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    await sendStoredFile(res, await localCopy(artifacts, row.filePath), {
      what: 'LoRA file',
      contentType: 'application/octet-stream',
      // Private and revalidated: a rename changes the download's name, never the bytes.
      cacheControl: 'private, no-cache',
      downloadName: downloadFileName(row.name),
    });
  });

  return { byCharacter, byLora };
}
