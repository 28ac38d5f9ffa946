import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import { DEFAULT_CAPTION } from '../../lib/contracts/photos';
import type { DatabaseHandle } from '../client';
import {
  applyCaptionToAll,
  CaptionJobBusyError,
  CaptionTooLongError,
  createCaptionJob,
  finishCaptionJob,
  getCaptionJob,
  isUserCaption,
  latestCaptionJob,
  recordCaptions,
  replaceInCaptions,
  startCaptionJob,
} from './captions';
import { createCharacter } from './characters';
import { insertPhoto, listPhotos, updatePhoto } from './photos';

describe.each(testDatabaseKinds())('caption jobs and bulk caption edits on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  async function characterWith(captions: string[]) {
    const { db } = handle;
    const character = await createCharacter(db, { name: `Cap ${randomUUID().slice(0, 8)}`, triggerWord: 'cap_x1' });
    for (const [i, caption] of captions.entries()) {
      await insertPhoto(db, {
        id: randomUUID(),
        characterId: character.id,
        originalName: `p${i}.jpg`,
        filePath: `uploads/${character.id}/p${i}.jpg`,
        mimeType: 'image/jpeg',
        sha256: `${i}`.padStart(64, '0'),
        sizeBytes: 10,
        width: 800,
        height: 1000,
        exifOrientation: 1,
        phash: '0'.repeat(16),
        sharpness: 100,
        caption,
        checks: {},
      });
      // Distinct creation times keep "oldest first" stable.
      await new Promise((r) => setImmediate(r));
    }
    return { character, photos: await listPhotos(db, character.id) };
  }

  it('tells a caption the user wrote from an empty, default or captioner-written one', () => {
    expect(isUserCaption('', null)).toBe(false);
    expect(isUserCaption(DEFAULT_CAPTION, null)).toBe(false);
    expect(isUserCaption('photo of [trigger], blue background', 'photo of [trigger], blue background')).toBe(false);
    expect(isUserCaption('photo of [trigger] at the beach', 'photo of [trigger], blue background')).toBe(true);
  });

  it('captions all photos but those the user wrote; records as it goes; keeps an edit made meanwhile', async () => {
    const { db } = handle;
    const { character, photos } = await characterWith([DEFAULT_CAPTION, 'my own words', '', DEFAULT_CAPTION]);
    const job = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: undefined, correlationId: undefined });
    expect(job).toMatchObject({ status: 'queued', explicit: false, total: 0, done: 0 });

    const plan = await startCaptionJob(db, job.id, 'simulated-captioner@1');
    expect(plan).toMatchObject({ style: 'short', explicit: false, triggerWord: 'cap_x1' });
    expect(plan!.photos.map((p) => p.photoId)).toEqual([photos[0]!.id, photos[2]!.id, photos[3]!.id]);
    expect(await getCaptionJob(db, job.id)).toMatchObject({ status: 'running', total: 3, skipped: 1, engine: 'simulated-captioner@1' });

    // The user edits the last photo while the job runs: that edit stays.
    await updatePhoto(db, photos[3]!.id, { caption: 'edited meanwhile' });
    const written = await recordCaptions(db, job.id, false, [
      { photoId: photos[0]!.id, caption: 'photo of [trigger], red background' },
      { photoId: photos[2]!.id, caption: 'photo of [trigger], green background' },
      { photoId: photos[3]!.id, caption: 'photo of [trigger], blue background' },
    ]);
    expect(written).toBe(2);
    await finishCaptionJob(db, job.id, 'completed', null);
    expect((await listPhotos(db, character.id)).map((p) => p.caption)).toEqual([
      'photo of [trigger], red background',
      'my own words',
      'photo of [trigger], green background',
      'edited meanwhile',
    ]);
    expect(await getCaptionJob(db, job.id)).toMatchObject({ status: 'completed', done: 3, skipped: 2 });

    // A second job finds the captioner's own captions fair game again, and the user's still not.
    const again = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'detailed', photoIds: undefined, correlationId: undefined });
    const replan = await startCaptionJob(db, again.id, 'simulated-captioner@1');
    expect(replan!.photos.map((p) => p.photoId)).toEqual([photos[0]!.id, photos[2]!.id]);
    expect((await latestCaptionJob(db, character.id))?.id).toBe(again.id);
  });

  it('overwrites the chosen photos even when the user edited them', async () => {
    const { db } = handle;
    const { character, photos } = await characterWith(['mine', 'also mine']);
    const job = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: [photos[1]!.id], correlationId: undefined });
    const plan = await startCaptionJob(db, job.id, 'x@1');
    expect(plan!.photos.map((p) => p.photoId)).toEqual([photos[1]!.id]);
    expect(await recordCaptions(db, job.id, true, [{ photoId: photos[1]!.id, caption: 'new' }])).toBe(1);
    expect((await listPhotos(db, character.id)).map((p) => p.caption)).toEqual(['mine', 'new']);
  });

  it('runs one job at a time per character', async () => {
    const { db } = handle;
    const { character } = await characterWith([DEFAULT_CAPTION]);
    const first = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: undefined, correlationId: undefined });
    const second = createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: undefined, correlationId: undefined });
    await expect(second).rejects.toBeInstanceOf(CaptionJobBusyError);
    await expect(second).rejects.toMatchObject({ running: { id: first.id } });
    await finishCaptionJob(db, first.id, 'cancelled', null);
    const third = await createCaptionJob(db, { id: randomUUID(), characterId: character.id, style: 'short', photoIds: undefined, correlationId: undefined });
    expect(third.status).toBe('queued');
  });

  it('applies one caption to all and replaces text across captions, answering how many changed', async () => {
    const { db } = handle;
    const { character } = await characterWith(['photo of [trigger], Red shirt', 'photo of [trigger], red hat', 'nothing here']);
    expect(await replaceInCaptions(db, character.id, { find: 'red', replace: 'blue', matchCase: true })).toBe(1);
    expect(await replaceInCaptions(db, character.id, { find: 'RED', replace: 'green', matchCase: false })).toBe(1);
    expect((await listPhotos(db, character.id)).map((p) => p.caption)).toEqual(['photo of [trigger], green shirt', 'photo of [trigger], blue hat', 'nothing here']);
    await expect(replaceInCaptions(db, character.id, { find: 'nothing', replace: 'x'.repeat(1000), matchCase: true })).rejects.toBeInstanceOf(CaptionTooLongError);
    expect((await listPhotos(db, character.id))[2]!.caption).toBe('nothing here');

    expect(await applyCaptionToAll(db, character.id, 'nothing here')).toBe(2);
    expect(new Set((await listPhotos(db, character.id)).map((p) => p.caption))).toEqual(new Set(['nothing here']));
  });
});
