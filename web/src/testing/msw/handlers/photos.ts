import { http, HttpResponse } from 'msw';
import { PHOTO_UPLOAD_FIELD, updatePhotoInput, type Photo, type UploadPhotosResult } from '../../../../../lib/contracts/photos';
import { buildPhoto } from '../../fixtures/photos';
import { db } from '../db';
import { notFound, validationFailed } from '../responses';

/** Like the real intake, the fake one looks at the content: a file that starts with text is not a photo. */
async function looksLikeText(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  return head.length > 0 && head.every((b) => b >= 0x20 && b < 0x7f);
}

let uploaded = 0;

export const photoHandlers = [
  http.get('/api/characters/:id/photos', ({ params }) => {
    if (!db.characters.some((c) => c.id === params.id)) return notFound('Character');
    return HttpResponse.json({ items: db.photos.filter((p) => p.characterId === params.id) });
  }),

  http.post('/api/characters/:id/photos', async ({ params, request }) => {
    const characterId = String(params.id);
    if (!db.characters.some((c) => c.id === characterId)) return notFound('Character');
    const form = await request.formData();
    const result: UploadPhotosResult = { accepted: [], rejected: [] };
    for (const entry of form.getAll(PHOTO_UPLOAD_FIELD)) {
      if (typeof entry === 'string') continue;
      // Under jsdom the file's name does not survive the trip through FormData, hence a made-up one when it is lost.
      const name = entry.name && entry.name !== 'blob' ? entry.name : `upload-${++uploaded}.jpg`;
      if (await looksLikeText(entry)) {
        result.rejected.push({ filename: name, reason: 'This file is not a photo: it looks like text' });
        continue;
      }
      const photo = buildPhoto({ characterId, originalName: name, sizeBytes: entry.size });
      db.photos.push(photo);
      result.accepted.push(photo);
    }
    return HttpResponse.json(result, { status: 201 });
  }),

  http.patch('/api/photos/:id', async ({ params, request }) => {
    const body = await request.json();
    db.photoPatches.push({ id: String(params.id), body });
    const index = db.photos.findIndex((p) => p.id === params.id);
    if (index < 0) return notFound('Photo');
    const parsed = updatePhotoInput.safeParse(body);
    if (!parsed.success) return validationFailed(parsed.error.issues);
    const { keepAnyway, ...fields } = parsed.data;
    const updated: Photo = { ...db.photos[index]!, ...fields, ...(keepAnyway === undefined ? {} : { keptAnyway: keepAnyway }) };
    db.photos[index] = updated;
    return HttpResponse.json(updated);
  }),

  http.delete('/api/photos/:id', ({ params }) => {
    const before = db.photos.length;
    db.photos = db.photos.filter((p) => p.id !== params.id);
    return db.photos.length < before ? new HttpResponse(null, { status: 204 }) : notFound('Photo');
  }),
];
