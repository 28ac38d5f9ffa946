import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Character } from '../../../lib/contracts/characters';
import type { UploadPhotosResult } from '../../../lib/contracts/photos';
import { api } from './instance';

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.heic': 'image/heic' };

/**
 * Uploads files to a character in one multipart request (field `photos`), as a drop of several files does.
 * `keepAnyway`: mark every accepted photo for training whatever its checks say (the bench's generated photos show no
 * face, and training takes only good photos or those kept anyway).
 */
export async function uploadPhotos(
  base: string,
  characterId: string,
  files: readonly string[],
  options: { keepAnyway?: boolean } = {},
): Promise<UploadPhotosResult> {
  const form = new FormData();
  for (const [i, file] of files.entries()) {
    const bytes = await readFile(file);
    const name = `${String(i + 1).padStart(3, '0')}-${path.basename(file)}`;
    form.append('photos', new Blob([bytes], { type: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' }), name);
  }
  const response = await fetch(`${base}/api/characters/${characterId}/photos`, { method: 'POST', body: form });
  const text = await response.text();
  if (!response.ok) throw new Error(`Photo upload → ${response.status}: ${text.slice(0, 400)}`);
  const result = JSON.parse(text) as UploadPhotosResult;
  if (options.keepAnyway) {
    for (const photo of result.accepted) await api(base, 'PATCH', `/api/photos/${photo.id}`, { keepAnyway: true });
  }
  return result;
}

export async function createCharacter(base: string, name: string): Promise<Character> {
  const trigger = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}${Math.floor(Math.random() * 1e6)}`;
  return api<Character>(base, 'POST', '/api/characters', { name, triggerWord: trigger.slice(0, 30) });
}
