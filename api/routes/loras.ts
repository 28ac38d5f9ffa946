import { Router } from 'express';
import { getCharacter } from '../../db/repositories/characters';
import { getLora, listLoras, toLora } from '../../db/repositories/loras';
import { within } from '../../lib/storage';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { idParam } from '../params';

/** The LoRAs a character has, and their files. */
export function lorasRouter({ db: { db }, config }: ApiDeps): { byCharacter: Router; byLora: Router } {
  const byCharacter = Router();
  const byLora = Router();

  byCharacter.get('/:id/loras', async (req, res) => {
    const characterId = idParam(req.params.id);
    if (!(await getCharacter(db, characterId))) throw notFound('Character');
    res.json({ items: await listLoras(db, characterId) });
  });

  byLora.get('/:id', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    res.json(toLora(row));
  });

  byLora.get('/:id/file', async (req, res) => {
    const row = await getLora(db, idParam(req.params.id));
    if (!row) throw notFound('LoRA');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('application/octet-stream');
    res.attachment(toLora(row).fileName.split('/').pop() ?? 'lora.safetensors');
    res.sendFile(within(config.storage.root, row.filePath));
  });

  return { byCharacter, byLora };
}
