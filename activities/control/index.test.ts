import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { createGeneration, getGeneration } from '../../db/repositories/generations';
import { createArtifactStore } from '../../lib/artifacts';
import { loadConfig } from '../../lib/config';
import { generationInput, resolveGenerationParams } from '../../lib/contracts/generations';
import { createLogger } from '../../lib/logger/logger';
import { openTestDatabase } from '../../test/helpers/databases';
import { createControlActivities } from './index';

describe('control activities announce the jobs whose records they wrote', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isengard-control-'));
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await handle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function activities(changed?: (jobId: string | undefined) => void) {
    const logger = createLogger({ service: 'worker', level: 'ERROR' });
    const config = loadConfig({ DATA_DIR: dataDir });
    return createControlActivities({ db: handle.db, config, logger, artifacts: createArtifactStore(config, logger), changed });
  }

  async function queuedGeneration(): Promise<string> {
    const params = resolveGenerationParams(generationInput.parse({ prompt: 'a portrait' }), null, () => 7);
    const generation = await createGeneration(handle.db, { id: randomUUID(), params, characterId: null });
    return generation.id;
  }

  it('tells of a generation once its record changed, not before', async () => {
    const id = await queuedGeneration();
    // What a listener reads when it hears: the record as the activity wrote it.
    const heard: Array<Promise<{ id: string | undefined; status: string | undefined }>> = [];
    const { generationOnWorker, generationCompleted } = activities((jobId) => {
      heard.push(getGeneration(handle.db, jobId!).then((g) => ({ id: jobId, status: g?.status })));
    });
    await generationOnWorker({ generationId: id, workerId: 'gpu-a' });
    await generationCompleted({ generationId: id, images: [] });
    expect(await Promise.all(heard)).toEqual([
      { id, status: 'running' },
      { id, status: 'completed' },
    ]);
  });

  it('tells of an activity that failed too (it may have written part), and of one about no job', async () => {
    const heard: Array<string | undefined> = [];
    const { generationOnWorker, selfTestStarted } = activities((jobId) => heard.push(jobId));
    await expect(generationOnWorker({ generationId: 'not-a-uuid', workerId: 'gpu-a' })).rejects.toThrow();
    await selfTestStarted({ id: randomUUID() });
    expect(heard).toEqual(['not-a-uuid', undefined]);
  });

  it('works without a listener (a control worker on its own)', async () => {
    const id = await queuedGeneration();
    await activities().generationOnWorker({ generationId: id, workerId: 'gpu-a' });
    expect((await getGeneration(handle.db, id))?.status).toBe('running');
  });
});
