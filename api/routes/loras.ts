import { Router } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import { getLora, listLoras, toLora } from '../../db/repositories/loras';
import { within } from '../../lib/storage';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { idParam } from '../params';
import { sendStoredFile } from '../send-file';

/** The LoRAs a character has, and their files. */
export function lorasRouter({ db: { db }, config, lists }: ApiDeps): { byCharacter: Router; byLora: Router } {
  const byCharacter = Router();
  const byLora = Router();

  byCharacter.get('/:id/loras', lists.cached, async (req, res) => {
    const characterId = idParam(req.params.id);
    const items = await listLoras(db, characterId);
    if (items.length === 0 && !(await getCharacter(db, characterId))) throw notFound('Character');
    res.json({ items });
  });

  byLora.get('/:id', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    res.json(toLora(row));
  });

  byLora.get('/:id/file', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    await sendStoredFile(res, within(config.storage.root, row.filePath), {
      what: 'LoRA file',
      contentType: 'application/octet-stream',
      cacheControl: 'private, max-age=31536000, immutable',
      downloadName: toLora(row).fileName.split('/').pop() ?? 'lora.safetensors',
    });
  });

  return { byCharacter, byLora };
}
