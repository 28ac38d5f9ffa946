import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Character } from '../../lib/contracts/characters';
import type { TrainingRun } from '../../lib/contracts/training';
import { photos } from '../../db/schema';
import { request } from './http';
import { eventually, type TestStack } from './stack';

/**
 * A character with `count` stored photos, put straight into the database and storage (photo intake has its own
 * tests): plain colours by default, or the given pictures (`photos`, e.g. a person's from ./faces.ts). They are
 * kept anyway, so training takes them whatever the photo checks would say (those have their own tests).
 */
export async function characterWithPhotos(
  stack: TestStack,
  name: string,
  count: number,
  options: { photos?: Buffer[] } = {},
): Promise<Character> {
  const { body: character } = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name } });
  const dir = path.join(stack.config.storage.uploads, character.id);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const file = path.join(dir, `${id}.jpg`);
    const bytes =
      options.photos?.[i] ??
      (await sharp({ create: { width: 768, height: 1024, channels: 3, background: { r: 30 + 40 * i, g: 90, b: 140 } } })
        .jpeg()
        .toBuffer());
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    writeFileSync(file, bytes);
    await stack.db.db.insert(photos).values({
      id,
      characterId: character.id,
      originalName: `photo-${i}.jpg`,
      filePath: path.relative(stack.config.storage.root, file),
      mimeType: 'image/jpeg',
      sha256: `${i}`.padStart(64, '0'),
      sizeBytes: bytes.length,
      width,
      height,
      caption: 'photo of [trigger]',
      keptAnywayAt: new Date(),
    });
  }
  return character;
}

export async function startTraining(
  stack: TestStack,
  characterId: string,
  advanced: Record<string, unknown>,
): Promise<TrainingRun> {
  const res = await request<TrainingRun>(stack, `/api/characters/${characterId}/trainings`, {
    method: 'POST',
    // Test characters have a few photos: the few-photos confirmation is given (its own test is in test/api/training-start.test.ts).
    body: { preset: 'quick', advanced, confirmFewPhotos: true },
  });
  if (res.status !== 202) throw new Error(`Training did not start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function trainingRun(stack: TestStack, id: string): Promise<TrainingRun> {
  return (await request<TrainingRun>(stack, `/api/trainings/${id}`)).body;
}

export function waitForTraining(
  stack: TestStack,
  id: string,
  until: (run: TrainingRun) => boolean,
  timeoutMs = 60_000,
  what = 'the training',
): Promise<TrainingRun> {
  let last: TrainingRun | undefined;
  return eventually(
    async () => {
      last = await trainingRun(stack, id);
      return until(last) ? last : undefined;
    },
    timeoutMs,
    () => `${what} (last seen: ${JSON.stringify(last && { status: last.status, phase: last.phase, step: last.step, error: last.error, events: last.events.map((e) => e.message) })})`,
  );
}

export const finished = (run: TrainingRun) => ['completed', 'failed', 'stopped'].includes(run.status);
