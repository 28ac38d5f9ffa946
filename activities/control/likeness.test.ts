import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { createCharacter } from '../../db/repositories/characters';
import { createTrainingRun, getTrainingRun, updateTrainingRun } from '../../db/repositories/trainings';
import { photos, trainingSamples } from '../../db/schema';
import { createArtifactStore } from '../../lib/artifacts';
import { loadConfig } from '../../lib/config';
import type { PhotoFaces } from '../../lib/contracts/likeness';
import { engineJobName, resolveSettings } from '../../lib/contracts/training';
import { greyForHash, perceptualHash } from '../../lib/images/phash';
import { scorerKey } from '../../lib/likeness/score-picture';
import { createLogger } from '../../lib/logger/logger';
import { createFaceApiScorer } from '../../plugins/identity/face-api/scorer';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import { personPhoto } from '../../test/helpers/faces';
import { createLiveLikeness, createRunLikeness, type RunLikenessDeps } from './likeness';

/**
 * The likeness of a run's samples, with real faces (test/helpers/faces.ts: photos of one person are framings of one
 * face of face-api's demo photos; other faces of those photos are other people) written where the engine writes its
 * samples, and checkpoints where it saves them.
 */
const scorer = createFaceApiScorer({ threads: 1 });
const dataDir = mkdtempSync(path.join(tmpdir(), 'isengard-run-likeness-'));
const config = loadConfig({ DATA_DIR: dataDir });
const SIZE = { width: 384, height: 512 };

const images: Record<'photo0' | 'photo1' | 'photo2' | 'ada' | 'ada2' | 'grace' | 'landscape', Buffer> = {} as never;

beforeAll(async () => {
  [images.photo0, images.photo1, images.photo2, images.ada, images.ada2, images.grace] = await Promise.all([
    personPhoto('ada', 0, SIZE),
    personPhoto('ada', 1, SIZE),
    personPhoto('ada', 2, SIZE),
    personPhoto('ada', 5, SIZE),
    personPhoto('ada', 6, SIZE),
    personPhoto('grace', 3, SIZE),
  ]);
  images.landscape = await sharp({ create: { width: 384, height: 256, channels: 3, background: { r: 90, g: 140, b: 200 } } }).jpeg().toBuffer();
}, 60_000);

afterAll(async () => {
  await scorer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A checkpoint file as the engine saves it: a safetensors header with the step in its training info. */
function writeCheckpoint(runId: string, step: number | 'final', steps: number): void {
  const name = engineJobName(runId);
  const dir = path.join(dataDir, 'training', runId, name);
  mkdirSync(dir, { recursive: true });
  const header = Buffer.from(JSON.stringify({ __metadata__: { training_info: JSON.stringify({ step: step === 'final' ? steps : step }) } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const file = step === 'final' ? `${name}.safetensors` : `${name}_${String(step).padStart(9, '0')}.safetensors`;
  writeFileSync(path.join(dir, file), Buffer.concat([length, header]));
}

describe.each(testDatabaseKinds())('the likeness of a training run, on %s', (kind) => {
  let handle: DatabaseHandle;
  let deps: RunLikenessDeps;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
    const logger = createLogger({ service: 'worker', level: 'ERROR' });
    deps = { db: handle.db, config, logger, artifacts: createArtifactStore(config, logger), scorer: () => scorer };
  });
  afterAll(async () => {
    await handle?.close();
  });

  /** A running run whose dataset is three photos of Ada: the first analysed by the photo checks, the others not yet. */
  async function runWithPhotos(): Promise<string> {
    const character = await createCharacter(handle.db, { name: `Ada ${randomUUID().slice(0, 6)}`, triggerWord: `ada_${randomUUID().slice(0, 6)}` });
    const photoIds: string[] = [];
    for (const [i, image] of [images.photo0, images.photo1, images.photo2].entries()) {
      let faces: PhotoFaces | null = null;
      if (i === 0) {
        const [found] = await scorer.detect(image);
        faces = { scorer: scorerKey(scorer), faces: [{ box: found!.box, confidence: found!.confidence }], embedding: found!.embedding, ...SIZE, analysedAt: new Date().toISOString() };
      }
      const filePath = `uploads/${character.id}/photo-${i}.jpg`;
      mkdirSync(path.join(dataDir, 'uploads', character.id), { recursive: true });
      writeFileSync(path.join(dataDir, filePath), image);
      const [row] = await handle.db
        .insert(photos)
        .values({
          characterId: character.id,
          originalName: `photo-${i}.jpg`,
          filePath,
          mimeType: 'image/jpeg',
          sha256: String(i).repeat(64),
          sizeBytes: image.length,
          ...SIZE,
          phash: perceptualHash(await greyForHash(image)),
          faces,
        })
        .returning({ id: photos.id });
      photoIds.push(row!.id);
    }
    const run = await createTrainingRun(handle.db, { id: randomUUID(), characterId: character.id, preset: 'quick', advanced: {}, settings: resolveSettings('quick', { steps: 1000 }) });
    await updateTrainingRun(handle.db, run.id, { status: 'running', photoIds });
    return run.id;
  }

  /** Samples as the engine writes them and the internal report records them. */
  async function addSamples(runId: string, samples: Array<[step: number, image: Buffer]>): Promise<void> {
    mkdirSync(path.join(dataDir, 'training', runId, 'samples'), { recursive: true });
    for (const [i, [step, image]] of samples.entries()) {
      const filePath = `training/${runId}/samples/${step}_${i}.jpg`;
      writeFileSync(path.join(dataDir, filePath), image);
      await handle.db.insert(trainingSamples).values({ runId, step, promptIndex: i, prompt: `prompt ${i}`, filePath });
    }
  }

  it('scores the samples live, then recommends the best checkpoint that copies no photo, the final one staying available', async () => {
    const runId = await runWithPhotos();
    const changed: string[] = [];
    const live = createLiveLikeness({ ...deps, changed: (id) => changed.push(id) });
    await addSamples(runId, [[250, images.grace], [250, images.landscape], [500, images.ada], [500, images.ada2]]);
    live.request(runId);
    await live.idle();
    expect(changed).toEqual([runId]);

    const live1 = (await getTrainingRun(handle.db, runId))!;
    const [grace, landscape, ada, ada2] = live1.samples.map((s) => s.likeness);
    expect(landscape).toMatchObject({ status: 'no_face', similarity: null, recognisable: false });
    expect(grace).toMatchObject({ status: 'scored', recognisable: false, copyOf: null });
    expect(ada).toMatchObject({ status: 'scored', recognisable: true, copyOf: null });
    expect(ada2).toMatchObject({ status: 'scored', recognisable: true, copyOf: null });
    expect(grace!.similarity).toBeLessThan(ada!.similarity!);
    expect(live1.likeness).toEqual({
      scorer: scorerKey(scorer),
      curve: [
        { step: 250, mean: grace!.similarity, recognisable: 0, samples: 2, copies: 0 },
        { step: 500, mean: expect.closeTo((ada!.similarity! + ada2!.similarity!) / 2, 4), recognisable: 2, samples: 2, copies: 0 },
      ],
      recommended: null,
    });

    // The final checkpoint's samples: one copies a training photo (overfitting). Checkpoints 250, 500 and the final one exist.
    await addSamples(runId, [[1000, images.photo1], [1000, images.ada2]]);
    for (const step of [250, 500, 'final'] as const) writeCheckpoint(runId, step, 1000);
    const likeness = createRunLikeness(deps);
    const finalCheckpoint = `training/${runId}/${engineJobName(runId)}/${engineJobName(runId)}.safetensors`;
    const chosen = await likeness.recommend({ runId, name: engineJobName(runId), finalCheckpoint });
    expect(chosen).toMatchObject({ checkpoint: `training/${runId}/${engineJobName(runId)}/${engineJobName(runId)}_000000500.safetensors`, step: 500 });

    const run = (await getTrainingRun(handle.db, runId))!;
    const copy = run.samples.find((s) => s.step === 1000 && s.promptIndex === 0)!.likeness;
    expect(copy).toMatchObject({ status: 'scored', copyOf: { photoId: expect.any(String) } });
    expect(run.likeness!.curve.map((p) => [p.step, p.copies])).toEqual([[250, 0], [500, 0], [1000, 1]]);
    expect(run.likeness!.recommended).toMatchObject({ step: 500, finalStep: 1000, recognisable: 2, samples: 2 });
    expect(run.likeness!.recommended!.reason).toMatch(/^Step 500 \(the highest likeness of 3 checkpoints\): 2 of 2 pictures recognisable, mean likeness 0\.\d\d; step 1000 copies training photos\.$/);
    expect(run.events.at(-1)).toMatchObject({ kind: 'likeness', message: `Recommended checkpoint: ${run.likeness!.recommended!.reason} The final checkpoint (step 1000) stays available.` });

    // Scored once: the live scoring of the same run afterwards changes nothing, and keeps the recommendation.
    live.request(runId);
    await live.idle();
    expect((await getTrainingRun(handle.db, runId))!.likeness).toEqual(run.likeness);
  });

  it('without a clear face in any training photo: every sample says so, and the final checkpoint is used', async () => {
    const runId = await runWithPhotos();
    const run = (await getTrainingRun(handle.db, runId))!;
    // None of the photos can be analysed: the photo checks have not, and their files are gone.
    await handle.db.update(photos).set({ filePath: 'uploads/missing.jpg', faces: null }).where(eq(photos.characterId, run.characterId));
    await addSamples(runId, [[500, images.ada], [1000, images.ada2]]);
    for (const step of [500, 'final'] as const) writeCheckpoint(runId, step, 1000);
    const finalCheckpoint = `training/${runId}/${engineJobName(runId)}/${engineJobName(runId)}.safetensors`;
    const chosen = await createRunLikeness(deps).recommend({ runId, name: engineJobName(runId), finalCheckpoint });
    expect(chosen).toMatchObject({ checkpoint: finalCheckpoint, step: 1000 });
    const after = (await getTrainingRun(handle.db, runId))!;
    expect(after.samples.map((s) => s.likeness?.status)).toEqual(['no_reference', 'no_reference']);
    expect(after.likeness!.recommended!.reason).toBe(
      'Likeness could not be measured: no training photo shows one clear face to compare the samples with: the final checkpoint (step 1000) is used.',
    );
  });
});
