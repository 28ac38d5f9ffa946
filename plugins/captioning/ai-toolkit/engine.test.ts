import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { createLogger } from '../../../lib/logger/logger';
import { CAPTIONER_CATALOGUE } from '../../../lib/models/catalogue';
import { CaptionEngineError } from '../interface';
import { captionModelPath, classifyFailure, createAiToolkitCaptioner } from './engine';
import { buildCaptionConfig, CAPTION_MODEL_REPO, CAPTION_PROMPTS } from './job-config';

/**
 * A stand-in for ai-toolkit's run.py with just the captioner's contract (extensions_built_in/captioner,
 * BaseCaptioner): the job config in, `<image>.txt` written beside each image, tqdm on stderr. The real captioner runs
 * in test/engines/ai-toolkit-caption.test.ts (npm run test:engines, a tiny Qwen3-VL on the CPU).
 */
const FAKE_RUN_PY = String.raw`
import json, os, sys, time
cfg = json.load(open(sys.argv[1]))
proc = cfg["config"]["process"][0]
assert cfg["job"] == "extension" and proc["type"] == "Qwen3VLCaptioner", "not a caption job"
cap = proc["caption"]
files = sorted(f for f in os.listdir(cap["path_to_caption"]) if f.rsplit(".", 1)[-1] in cap["extensions"])
if any(f.startswith("oom") for f in files):
    print("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", file=sys.stderr)
    sys.exit(1)
for i, f in enumerate(files):
    time.sleep(0.05)
    name = os.path.splitext(f)[0]
    with open(os.path.join(cap["path_to_caption"], name + ".txt"), "w") as out:
        out.write("A person in a " + ("detailed" if cap["max_new_tokens"] > 100 else "short") + " caption of " + name + ".")
    print(f"Captioning files: {i + 1}/{len(files)}", file=sys.stderr, flush=True)
`;

describe("the production captioner adapter (ai-toolkit's Qwen3-VL captioner as a process)", () => {
  let dir: string;
  let checkout: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'captioner-aitk-'));
    checkout = path.join(dir, 'ai-toolkit');
    await mkdir(path.join(checkout, 'extensions_built_in', 'captioner'), { recursive: true });
    await writeFile(path.join(checkout, 'extensions_built_in', 'captioner', 'Qwen3VLCaptioner.py'), '');
    await writeFile(path.join(checkout, 'run.py'), FAKE_RUN_PY);
    await writeFile(path.join(dir, 'photo.jpg'), 'not really a jpeg: the stand-in does not read it');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const configIn = () => loadConfig({ ISENGARD_MODE: 'production', AITOOLKIT_PATH: checkout, AITOOLKIT_PYTHON: 'python3', DATA_DIR: path.join(dir, 'data'), LOG_DIR: path.join(dir, 'logs') });
  const engineIn = () => createAiToolkitCaptioner(configIn());
  /** Every file of the catalogue in place (the stand-in does not read them). */
  const provision = async () => {
    const baseModels = configIn().storage.baseModels;
    for (const file of CAPTIONER_CATALOGUE.flatMap((m) => m.files)) {
      await mkdir(path.dirname(path.join(baseModels, file.target)), { recursive: true });
      await writeFile(path.join(baseModels, file.target), '{}');
    }
  };
  const logger = createLogger({ service: 'worker', level: 'ERROR' });

  it('configures the Qwen3-VL captioner job the way BaseCaptioner reads it', () => {
    const job = buildCaptionConfig({ name: 'n', imagesDir: '/x', modelPath: CAPTION_MODEL_REPO, style: 'detailed', device: 'cuda' });
    expect(job.config.process[0]!.caption).toMatchObject({
      model_name_or_path: 'Qwen/Qwen3-VL-4B-Instruct',
      path_to_caption: '/x',
      recaption: true,
      caption_extension: 'txt',
      caption_prompt: CAPTION_PROMPTS.detailed.prompt,
    });
    expect(CAPTION_PROMPTS.short.prompt).toMatch(/"the person"/);
  });

  it('is ready with the checkout, and says when the model still has to come', async () => {
    const status = await engineIn().check();
    expect(status).toMatchObject({ kind: 'captioning', state: 'ready' });
    expect(status.message).toContain('not downloaded yet');
  });

  it('refuses a job whose model lost a file after it was queued, without starting the engine', async () => {
    const work = path.join(dir, 'work0');
    await mkdir(work);
    const run = engineIn().caption(
      { jobId: 'job0', images: [{ id: 'p0', path: path.join(dir, 'photo.jpg'), faceBox: null }], style: 'short', workDir: work, correlationId: undefined },
      () => undefined,
      new AbortController().signal,
      logger,
    );
    await expect(run).rejects.toMatchObject({ code: 'missing_model', retryable: false, message: expect.stringContaining('download "Qwen/Qwen3-VL-4B-Instruct" on the Models page') });
    await expect(readFile(path.join(work, 'caption-job.json'))).rejects.toThrow(/ENOENT/);
  });

  it('reads a missing model file out of what transformers 5.5.3 printed (the real engine, files taken away)', () => {
    const model = captionModelPath(configIn());
    for (const line of [
      `FileNotFoundError: No such file or directory: ${model}/model-00002-of-00002.safetensors`,
      `ValueError: Unrecognized model in ${model}. Should have a \`model_type\` key in its config.json.`,
      `OSError: Can't load image processor for '${model}'. If you were trying to load it from 'https://huggingface.co/models', make sure you don't have a local directory with the same name.`,
    ]) {
      expect(classifyFailure(['Traceback (most recent call last):', line], 1)).toMatchObject({ code: 'missing_model', retryable: false });
    }
    expect(classifyFailure(['RuntimeError: something else'], 1)).toMatchObject({ code: 'engine_error', message: 'The captioner stopped: RuntimeError: something else' });
  });

  it('links the photos in, runs the job, and hands each caption over with the trigger word', async () => {
    await provision();
    const seen: string[] = [];
    const work = path.join(dir, 'work1');
    await mkdir(work);
    const images = ['p1', 'p2', 'p3'].map((id) => ({ id, path: path.join(dir, 'photo.jpg'), faceBox: null }));
    const results = await engineIn().caption({ jobId: 'job1', images, style: 'short', workDir: work, correlationId: undefined }, (r) => seen.push(r.id), new AbortController().signal, logger);
    expect(results).toEqual([
      { id: 'p1', caption: '[trigger] in a short caption of p1.' },
      { id: 'p2', caption: '[trigger] in a short caption of p2.' },
      { id: 'p3', caption: '[trigger] in a short caption of p3.' },
    ]);
    expect(seen.sort()).toEqual(['p1', 'p2', 'p3']);
    const config = JSON.parse(await readFile(path.join(work, 'caption-job.json'), 'utf8'));
    expect(config.config.process[0].caption.max_new_tokens).toBe(CAPTION_PROMPTS.short.maxNewTokens);
  });

  it('explains an out-of-memory failure in plain words', async () => {
    const work = path.join(dir, 'work2');
    await mkdir(work);
    const run = engineIn().caption(
      { jobId: 'job2', images: [{ id: 'oom1', path: path.join(dir, 'photo.jpg'), faceBox: null }], style: 'short', workDir: work, correlationId: undefined },
      () => undefined,
      new AbortController().signal,
      logger,
    );
    await expect(run).rejects.toBeInstanceOf(CaptionEngineError);
    await expect(run).rejects.toMatchObject({ code: 'oom', retryable: false });
  });
});
