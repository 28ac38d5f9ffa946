import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { createCharacter } from '../../db/repositories/characters';
import { completeGeneration, createGeneration, getGeneration, getGenerationVersion } from '../../db/repositories/generations';
import { outputs, photos } from '../../db/schema';
import { createArtifactStore } from '../../lib/artifacts';
import { loadConfig } from '../../lib/config';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import type { PhotoFaces, PictureLikeness } from '../../lib/contracts/likeness';
import { greyForHash, perceptualHash } from '../../lib/images/phash';
import { createLogger } from '../../lib/logger/logger';
import { scorerKey } from '../../lib/likeness/score-picture';
import { createFaceApiScorer } from '../../plugins/identity/face-api/scorer';
import type { DetectedFace } from '../../plugins/identity/interface';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import { outputScoringIdle, queueUnscoredOutputs, scoreGenerationOutputs, type OutputScoringDeps } from './output-likeness';

const require = createRequire(import.meta.url);
/** face-api's own sample photo: three different people. */
const groupPhoto = readFileSync(path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg'));
const scorer = createFaceApiScorer({ threads: 1 });
const storageRoot = mkdtempSync(path.join(tmpdir(), 'isengard-output-likeness-'));

/** A square portrait (384 px) around `face` of the group photo, `scale` times its width, shifted by `shift` of it. */
async function portrait(face: DetectedFace, scale: number, shift = 0): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(groupPhoto).metadata();
  const side = Math.round(scale * face.box.width);
  const left = Math.max(0, Math.min(width - side, Math.round(face.box.x + face.box.width / 2 - side / 2 + shift * face.box.width)));
  const top = Math.max(0, Math.min(height - side, Math.round(face.box.y + face.box.height / 2 - side / 2)));
  return sharp(groupPhoto).extract({ left, top, width: side, height: side }).resize(384).png().toBuffer();
}

/** Pictures as a generation would have made them: the first person again, another person, and a landscape. */
const pictures: Record<'person' | 'other' | 'landscape', Buffer> = {} as never;
/** Two photos of the first person, as the photo analysis leaves them. */
const analysed: Array<{ image: Buffer; faces: PhotoFaces }> = [];

beforeAll(async () => {
  const faces = await scorer.detect(groupPhoto);
  expect(faces).toHaveLength(3);
  for (const image of [await portrait(faces[0]!, 2.2), await portrait(faces[0]!, 3, 0.3)]) {
    const [found] = await scorer.detect(image);
    const photoFaces = { box: found!.box, confidence: found!.confidence };
    analysed.push({ image, faces: { scorer: scorerKey(scorer), faces: [photoFaces], embedding: found!.embedding, width: 384, height: 384, analysedAt: new Date().toISOString() } });
  }
  pictures.person = await sharp(await portrait(faces[0]!, 2.6, -0.2)).flop().png().toBuffer();
  pictures.other = await portrait(faces[1]!, 2.4);
  pictures.landscape = await sharp({ create: { width: 384, height: 256, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer();
}, 60_000);

afterAll(async () => {
  await scorer.close();
  rmSync(storageRoot, { recursive: true, force: true });
});

describe.each(testDatabaseKinds())('the likeness of generated pictures, on %s', (kind) => {
  let handle: DatabaseHandle;
  let deps: OutputScoringDeps;
  const changes: Array<string | undefined> = [];
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    const logger = createLogger({ service: 'worker', level: 'ERROR' });
    const artifacts = createArtifactStore(loadConfig({ DATA_DIR: storageRoot }), logger);
    deps = { db: handle.db, storageRoot, artifacts, logger, changed: (id) => changes.push(id), scorer };
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** A character with photos: those given analysed, and one more photo not analysed yet. */
  async function character(photoFaces: Array<{ faces: PhotoFaces | null; excluded?: boolean }>): Promise<string> {
    const created = await createCharacter(handle.db, { name: `Person ${randomUUID().slice(0, 8)}`, triggerWord: `p_${randomUUID().slice(0, 6)}` });
    for (const [i, photo] of photoFaces.entries()) {
      const image = analysed[i % analysed.length]!.image;
      await handle.db.insert(photos).values({
        characterId: created.id,
        originalName: `photo-${i}.png`,
        filePath: `uploads/${created.id}/photo-${i}.png`,
        mimeType: 'image/png',
        sha256: 'b'.repeat(64),
        sizeBytes: image.length,
        width: 384,
        height: 384,
        phash: perceptualHash(await greyForHash(image)),
        faces: photo.faces,
        excluded: photo.excluded ?? false,
      });
    }
    return created.id;
  }

  /** A completed generation of the character whose pictures are these, written where a GPU worker writes them. */
  async function completed(characterId: string | null, images: Buffer[]): Promise<string> {
    const params = resolveGenerationParams(generationInput.parse({ prompt: 'a portrait', batch: images.length }), null, () => 7);
    const { id } = await createGeneration(handle.db, { id: randomUUID(), params, characterId });
    const records = images.map((image, index) => {
      const filePath = `outputs/${id}/image-${index}.png`;
      mkdirSync(path.join(storageRoot, 'outputs', id), { recursive: true });
      writeFileSync(path.join(storageRoot, filePath), image);
      return { index, filePath, width: 384, height: 384, seed: 7 + index, sizeBytes: image.length, sha256: 'a'.repeat(64) };
    });
    expect(await completeGeneration(handle.db, id, records)).toBe('completed');
    return id;
  }

  const likenessOf = async (id: string): Promise<Array<PictureLikeness | null>> => (await getGeneration(handle.db, id))!.outputs.map((o) => o.likeness);

  it("scores each picture against the character's photos, publishes each score, and scores a picture once", async () => {
    const characterId = await character([{ faces: analysed[0]!.faces }, { faces: analysed[1]!.faces }]);
    const id = await completed(characterId, [pictures.person, pictures.other, pictures.landscape]);
    const before = (await getGenerationVersion(handle.db, id))!;
    changes.length = 0;

    expect(await scoreGenerationOutputs(deps, id)).toBe(3);
    const [person, other, landscape] = await likenessOf(id);
    expect(person).toMatchObject({ status: 'scored', recognisable: true, faces: 1, copyOf: null, scorer: scorerKey(scorer) });
    expect(other).toMatchObject({ status: 'scored', recognisable: false, faces: 1 });
    expect(other!.similarity).toBeLessThan(person!.similarity!);
    expect(landscape).toMatchObject({ status: 'no_face', similarity: null, recognisable: false });
    // Open pages hear of every score; the generation's version moves, so its event streams send it again.
    expect(changes).toEqual([id, id, id]);
    expect(await getGenerationVersion(handle.db, id)).toBeGreaterThan(before);

    // Scored once: a second pass (a retried record, the start-up sweep) records nothing.
    expect(await scoreGenerationOutputs(deps, id)).toBe(0);
    expect(await likenessOf(id)).toEqual([person, other, landscape]);
  });

  it('scores no picture of a generation without a character, and says when a character has no usable photo', async () => {
    const withoutCharacter = await completed(null, [pictures.person]);
    expect(await scoreGenerationOutputs(deps, withoutCharacter)).toBe(0);
    expect(await likenessOf(withoutCharacter)).toEqual([null]);

    // Photos left out of training, or not analysed yet, are no reference.
    const characterId = await character([{ faces: analysed[0]!.faces, excluded: true }, { faces: null }]);
    const id = await completed(characterId, [pictures.person]);
    expect(await scoreGenerationOutputs(deps, id)).toBe(1);
    expect((await likenessOf(id))[0]).toMatchObject({ status: 'no_reference', faces: 1, similarity: null });
  });

  it('marks a picture whose file is gone unreadable, so that it is not tried again and again', async () => {
    const characterId = await character([{ faces: analysed[0]!.faces }]);
    const id = await completed(characterId, [pictures.person]);
    rmSync(path.join(storageRoot, 'outputs', id), { recursive: true });
    expect(await scoreGenerationOutputs(deps, id)).toBe(1);
    expect((await likenessOf(id))[0]).toMatchObject({ status: 'unreadable', faces: 0 });
  });

  it('at start-up, scores the pictures a crash left unscored, newest first and within a bound', async () => {
    const characterId = await character([{ faces: analysed[0]!.faces }, { faces: analysed[1]!.faces }]);
    // Left unscored by a crash: earlier ones here and in the other tests, a generation without character, and these.
    const older = await completed(characterId, [pictures.other]);
    const newer = await completed(characterId, [pictures.person, pictures.landscape]);
    const withoutCharacter = await completed(null, [pictures.person]);
    // A deleted picture is not scored.
    await handle.db.update(outputs).set({ deletedAt: new Date() }).where(eqOutput(newer, 1));

    expect(await queueUnscoredOutputs(deps, 1)).toBe(1);
    await outputScoringIdle();
    expect((await likenessOf(newer))[0]).toMatchObject({ status: 'scored', recognisable: true });
    expect(await likenessOf(older)).toEqual([null]);

    expect(await queueUnscoredOutputs(deps)).toBeGreaterThanOrEqual(1);
    await outputScoringIdle();
    expect((await likenessOf(older))[0]).toMatchObject({ status: 'scored', recognisable: false });
    expect(await likenessOf(withoutCharacter)).toEqual([null]);
    const [deleted] = await handle.db.select({ likeness: outputs.likeness }).from(outputs).where(eqOutput(newer, 1));
    expect(deleted!.likeness).toBeNull();
    expect(await queueUnscoredOutputs(deps)).toBe(0);
  });
});

function eqOutput(generationId: string, index: number) {
  return and(eq(outputs.generationId, generationId), eq(outputs.index, index));
}
