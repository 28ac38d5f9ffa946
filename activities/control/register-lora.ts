import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { insertLora, loraOfRunAt, nextLoraVersion, restoreLora } from '../../db/repositories/loras';
import { addTrainingEvent, getTrainingRow } from '../../db/repositories/trainings';
import { characters } from '../../db/schema';
import { artifactKey } from '../../lib/artifacts/keys';
import { pullIfStored } from '../../lib/artifacts/store-calls';
import type { ArtifactStore } from '../../lib/artifacts/store';
import type { Config } from '../../lib/config';
import type { TrainingSettings } from '../../lib/contracts/training';
import type { Logger } from '../../lib/logger/logger';
import { readSafetensorsHeader, trainingStep } from '../../lib/safetensors';
import { within } from '../../lib/storage';

/** Its name is the job's error code (activities/control/failures.ts), the same as the training activities'. */
export class TrainingRunGone extends Error {
  constructor() {
    super('The training run no longer exists');
    this.name = 'TrainingRunGone';
  }
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'character'
  );
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copies `source` to `target` through a temporary name in the same folder, so nobody ever sees half a file. */
async function copyInto(source: string, target: string): Promise<void> {
  const partial = `${target}.${randomUUID().slice(0, 8)}.partial`;
  try {
    await copyFile(source, partial);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Registers a checkpoint of a training run as a LoRA of its character (models/loras/<character>/<name>-v<N>),
 * with its sha256, size and the metadata of its header; one LoRA per checkpoint, so asking again answers the same.
 * The file is written under a temporary name and takes its final name only once its row holds that version, so
 * two registrations at once can never write over each other's file. `checkpoint` is relative to the data root; it is
 * pulled from the artifact store, and the LoRA pushed there once it has its name.
 */
export async function registerLora(
  deps: { db: Database; config: Config; logger: Logger; artifacts: ArtifactStore },
  input: { runId: string; checkpoint: string; event: string },
): Promise<{ loraId: string; steps: number; created: boolean }> {
  const { db, config, logger, artifacts } = deps;
  const root = config.storage.root;
  const run = await getTrainingRow(db, input.runId);
  if (!run) throw new TrainingRunGone();
  const source = await artifacts.pull(artifactKey(input.checkpoint));
  const header = await readSafetensorsHeader(source);
  const settings = run.settings as unknown as TrainingSettings;
  const steps = trainingStep(header) ?? settings.steps;

  const existing = await loraOfRunAt(db, run.id, steps);
  if (existing) {
    // A registration interrupted between its record and its file's rename finishes here; a deleted LoRA comes back.
    const target = within(root, existing.filePath);
    if (!existsSync(target) && !(await pullIfStored(artifacts, artifactKey(existing.filePath)))) await copyInto(source, target);
    await artifacts.push(artifactKey(existing.filePath));
    if (existing.deletedAt) await restoreLora(db, existing.id);
    return { loraId: existing.id, steps, created: false };
  }
  const [character] = await db.select().from(characters).where(eq(characters.id, run.characterId));
  const staged = within(root, 'models', 'loras', run.characterId, `.${randomUUID()}.staged`);
  await mkdir(path.dirname(staged), { recursive: true });
  try {
    await copyFile(source, staged);
    const fileSha = await sha256(staged);
    const sizeBytes = (await stat(staged)).size;
    for (let tries = 0; ; tries++) {
      const version = await nextLoraVersion(db, run.characterId);
      const relative = path.posix.join('models', 'loras', run.characterId, `${slug(character?.name ?? 'character')}-v${version}.safetensors`);
      let row;
      try {
        row = await insertLora(db, {
          characterId: run.characterId,
          trainingRunId: run.id,
          name: `${character?.name ?? 'LoRA'} v${version}`,
          version,
          filePath: relative,
          sha256: fileSha,
          sizeBytes,
          baseModel: run.baseModel,
          steps,
          rank: settings.rank,
          triggerWord: character?.triggerWord ?? '',
          metadata: header.metadata,
          engineVersion: run.engineVersion,
        });
      } catch (err) {
        // Another registration took this version number (or this very checkpoint) at the same moment.
        const again = await loraOfRunAt(db, run.id, steps);
        if (again) return { loraId: again.id, steps, created: false };
        if (tries >= 3) throw err;
        continue;
      }
      await rename(staged, within(root, relative));
      await artifacts.push(relative);
      await addTrainingEvent(db, run.id, 'lora', `${input.event}: ${row.name}`);
      logger.info('lora.registered', `LoRA ${row.name} registered (step ${steps})`, { loraId: row.id, runId: run.id, file: relative, steps });
      return { loraId: row.id, steps, created: true };
    }
  } finally {
    await rm(staged, { force: true });
  }
}
