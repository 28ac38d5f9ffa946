import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { createCharacter } from '../../db/repositories/characters';
import { deletePhoto } from '../../db/repositories/photos';
import { photos } from '../../db/schema';
import { DataRootStore } from '../../lib/artifacts/data-root';
import { createLogger } from '../../lib/logger/logger';
import { createFaceApiScorer } from '../../plugins/identity/face-api/scorer';
import { personPhoto } from '../../test/helpers/faces';
import { openTestDatabase } from '../../test/helpers/databases';
import { createPhotoChecker } from './checker';

describe('the background photo checks', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'photo-checker-'));
  const scorer = createFaceApiScorer({ threads: 1 });
  const logger = createLogger({ service: 'api', level: 'ERROR', dir: path.join(root, 'logs') });
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await scorer.close();
    await handle?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** A photo stored and recorded as intake leaves it, its faces not analysed yet (as a crash would leave it). */
  async function storedPhoto(characterId: string, image: Buffer, name: string): Promise<string> {
    const id = randomUUID();
    const filePath = path.join('uploads', characterId, `${id}.jpg`);
    mkdirSync(path.join(root, 'uploads', characterId), { recursive: true });
    writeFileSync(path.join(root, filePath), image);
    await handle.db.insert(photos).values({
      id,
      characterId,
      originalName: name,
      filePath,
      mimeType: 'image/jpeg',
      sha256: id,
      sizeBytes: image.length,
      width: 512,
      height: 640,
      caption: 'photo of [trigger]',
      checks: { duplicate: null },
    });
    return id;
  }

  it('checks at start every photo a crash left pending, and only those', async () => {
    const { db } = handle;
    const character = await createCharacter(db, { name: 'Checker subject', triggerWord: 'chk_x1' });
    const first = await storedPhoto(character.id, await personPhoto('ada', 0, { width: 512, height: 640 }), 'a.jpg');
    const second = await storedPhoto(character.id, await personPhoto('ada', 1, { width: 512, height: 640 }), 'b.jpg');
    const gone = await storedPhoto(character.id, await personPhoto('ada', 2, { width: 512, height: 640 }), 'c.jpg');
    await deletePhoto(db, gone);
    let changes = 0;
    const checker = createPhotoChecker({
      db,
      artifacts: new DataRootStore(root),
      logger,
      scorer: () => scorer,
      changed: () => changes++,
    });

    await checker.start();
    await checker.idle();
    const rows = await db.select().from(photos).where(eq(photos.characterId, character.id));
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of [first, second]) {
      const row = byId.get(id)!;
      expect(row.faces).toMatchObject({ scorer: `${scorer.id}@${scorer.version}`, width: 512, height: 640 });
      expect(row.faces!.faces).toHaveLength(1);
      expect(row.faces!.embedding).toHaveLength(128);
      expect(row.checks).toMatchObject({ noFace: { failed: false }, severalPeople: { failed: false }, blurry: { region: 'face', failed: false } });
    }
    expect(byId.get(gone)!.faces).toBeNull();
    expect(changes).toBeGreaterThan(0);

    // Nothing is pending any more: a second start has nothing to do.
    const analysedAt = byId.get(first)!.faces!.analysedAt;
    await checker.start();
    await checker.idle();
    const [again] = await db.select().from(photos).where(eq(photos.id, first));
    expect(again!.faces!.analysedAt).toBe(analysedAt);
    await checker.stop();
  });
});
