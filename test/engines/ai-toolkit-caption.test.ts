import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Character } from '../../lib/contracts/characters';
import type { CaptionJob } from '../../lib/contracts/captions';
import { TRIGGER_TAG, type Photo, type UploadPhotosResult } from '../../lib/contracts/photos';
import { logFilePath } from '../../lib/logger/logger';
import { CAPTIONER_CATALOGUE, CAPTIONER_FOLDER } from '../../lib/models/catalogue';
import { request } from '../helpers/http';
import { photoJpeg } from '../helpers/images';
import { upload } from '../helpers/multipart';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { deviceEnv, preparedEngines, tinyModel } from './helpers/engines';

/**
 * "Write captions" (issue 24) with ai-toolkit's own Qwen3-VL captioner at its pin, on the CPU: the production
 * captioning plugin runs run.py on a tiny random-weight Qwen3-VL (scripts/engines/tiny-models/qwen3vl.py) that has
 * the files of the real model's folder, provisioned where the Models page puts it. Random weights write gibberish:
 * what counts is that every photo gets the engine's own text, with the trigger word, through the public API.
 */

// Loading the engine takes tens of seconds on two cores; a photo of a few hundred pixels takes seconds more.
const CAPTIONED = 600_000;

/** The worker's log lines of one event (design §8: one JSON object a line). */
function workerLog(stack: TestStack, event: string): Array<{ message: string }> {
  return readFileSync(logFilePath(stack.config.log.dir, 'worker'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as { message: string });
}

describe("ai-toolkit's Qwen3-VL captioner at its pin writes captions through the API (tiny random Qwen3-VL, CPU)", () => {
  let stack: TestStack;
  let modelDir: string;
  const shard = CAPTIONER_CATALOGUE[0]!.files.find((f) => f.path.endsWith('.safetensors'))!;

  beforeAll(async () => {
    const { aitoolkit } = preparedEngines();
    stack = await startTestStack({
      env: { ISENGARD_MODE: 'production', AITOOLKIT_PATH: aitoolkit.path, AITOOLKIT_PYTHON: aitoolkit.python, ...deviceEnv(), GPU_LOST_AFTER_SECONDS: '60' },
    });
    expect(stack.config.aitoolkit.simulated).toBe(false);
    // A copy, not a link: a test takes a file away. Every file the catalogue lists is there, so it counts as
    // downloaded (lib/models/provisioned.ts).
    modelDir = path.join(stack.config.storage.baseModels, CAPTIONER_FOLDER);
    cpSync(tinyModel('qwen3vl'), modelDir, { recursive: true, filter: (from) => !path.basename(from).startsWith('.isengard-') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const startWorker = () =>
    // Only the captioner is needed: no ComfyUI there (its checkout has no main.py), so none is started.
    stack.spawnGpuWorker('gpu-captioner', { COMFYUI_PATH: stack.config.storage.root, COMFYUI_PYTHON: '' });

  async function characterWithUploads(name: string, count: number): Promise<Character> {
    const { body: character } = await request<Character>(stack, '/api/characters', { method: 'POST', body: { name } });
    const files = await Promise.all(Array.from({ length: count }, (_, i) => photoJpeg(480, 640, { seed: 40 + i })));
    const res = await upload<UploadPhotosResult>(stack, character.id, files.map((data, i) => ({ filename: `photo-${i}.jpg`, contentType: 'image/jpeg', data })));
    expect(res.status).toBe(201);
    expect(res.body.accepted).toHaveLength(count);
    return character;
  }
  const photosOf = async (characterId: string) => (await request<{ items: Photo[] }>(stack, `/api/characters/${characterId}/photos`, { headers: { 'Cache-Control': 'no-cache' } })).body.items;
  const writeCaptions = async (characterId: string) => {
    const start = await request<CaptionJob>(stack, `/api/characters/${characterId}/captions`, { method: 'POST', body: { style: 'short' } });
    expect(start.status).toBe(202);
    return start.body;
  };
  const waitForJob = (id: string) =>
    eventually(
      async () => {
        const { body } = await request<CaptionJob>(stack, `/api/caption-jobs/${id}`);
        return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
      },
      CAPTIONED,
      'the caption job to end',
      1_000,
    );

  it('the tiny model has the files of the real folder, as the catalogue lists them', () => {
    const built = readdirSync(tinyModel('qwen3vl')).filter((name) => !name.startsWith('.isengard-'));
    expect(built.sort()).toEqual(CAPTIONER_CATALOGUE[0]!.files.map((f) => f.path).sort());
  });

  // Runs before any GPU worker exists, so that the job is still queued when the file goes.
  it('a model file deleted after the job was queued: the job fails with the plugin\'s words, not a stack trace', async () => {
    const character = await characterWithUploads('Missing Mo', 1);
    const job = await writeCaptions(character.id);
    rmSync(path.join(modelDir, shard.path));
    try {
      await startWorker();
      const done = await waitForJob(job.id);
      expect(done).toMatchObject({ status: 'failed', error: 'The captioning model is missing: download "Qwen/Qwen3-VL-4B-Instruct" on the Models page.' });
    } finally {
      cpSync(path.join(tinyModel('qwen3vl'), shard.path), path.join(modelDir, shard.path));
    }
    // The API refuses a new job while a file is missing, and names the Models page.
    rmSync(path.join(modelDir, 'config.json'));
    const refused = await request<{ error: { message: string } }>(stack, `/api/characters/${character.id}/captions`, { method: 'POST', body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/not downloaded yet: download it on the Models page/);
    cpSync(path.join(tinyModel('qwen3vl'), 'config.json'), path.join(modelDir, 'config.json'));
  });

  it('captions every uploaded photo with the real engine, the trigger word kept', async () => {
    const character = await characterWithUploads('Captioned Cleo', 3);
    const before = await photosOf(character.id);
    const job = await writeCaptions(character.id);
    const done = await waitForJob(job.id);
    expect(done).toMatchObject({ status: 'completed', total: 3, done: 3, error: null, engine: 'ai-toolkit-captioner@1' });

    const after = await photosOf(character.id);
    expect(after.map((p) => p.id).sort()).toEqual(before.map((p) => p.id).sort());
    for (const photo of after) {
      // plugins/captioning/trigger.ts: random text never names "the person", so the caption starts with the tag.
      expect(photo.caption.startsWith(`${TRIGGER_TAG}, `)).toBe(true);
      expect(photo.caption.slice(`${TRIGGER_TAG}, `.length).trim()).not.toBe('');
    }

    // The engine's console, as the worker logged it: the captioner loaded the model and captioned the three photos.
    const printed = workerLog(stack, 'captioner.output').map((line) => line.message);
    expect(printed).toContain('Loading Qwen3VL model');
    expect(printed).toContain('Found 3 files to caption');
    expect(printed).toContain('Captioning complete');
  });
});
