import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../../lib/config';
import type { Logger } from '../../../lib/logger/logger';
import { CAPTIONER_CATALOGUE, CAPTIONER_FOLDER } from '../../../lib/models/catalogue';
import { isProvisioned } from '../../../lib/models/provisioned';
import { PROJECT_ROOT } from '../../../lib/project-root';
import type { EngineStatus } from '../../engine';
import { engineEnv } from '../../training/ai-toolkit/engine';
import { CaptionEngineError, type CaptionJob, type CaptionResult, type CaptioningEngine } from '../interface';
import { withTrigger } from '../trigger';
import { captionDeviceOf } from './device';
import { buildCaptionConfig, CAPTION_MODEL_REPO } from './job-config';
import { AI_TOOLKIT_CAPTIONER } from './meta';

const LAUNCHER = path.join(PROJECT_ROOT, 'plugins', 'training', 'ai-toolkit', 'launch.py');
/** How often the job's folder is looked at for new caption files. */
const POLL_MS = 300;
/** A caption file is read once it has not changed for this long (the engine writes it in one go). */
const SETTLED_MS = 200;
const TAIL_LINES = 30;

/**
 * The folder the Models page provisions the model into (every file verified against the hub's hashes, all from one
 * commit). The API refuses "Write captions" until it is complete, so the engine never downloads a model itself.
 */
export function captionModelPath(config: Config): string {
  return path.join(config.storage.baseModels, CAPTIONER_FOLDER);
}

/** Whether every file of the captioner's model is in place (a file appears only once it is verified). */
export function captionModelProvisioned(config: Config): boolean {
  return CAPTIONER_CATALOGUE.every((model) => isProvisioned(model, config.storage.baseModels));
}

/**
 * What transformers says when a file of the model folder is missing: a weight shard (the index names it), the
 * configuration, the image processor's settings (transformers 5.5.3, as the real engine printed them); the older
 * texts are for a model named by its hub id.
 */
const MISSING_MODEL_FILE = new RegExp(
  [
    /No such file or directory: .*\.safetensors/,
    /Unrecognized model in .* Should have a `model_type` key in its config\.json/,
    /Can't load (?:image processor|video processor|processor|tokenizer|the configuration) for/,
    /is not a local folder and is not a valid model identifier/,
    /does not appear to have a file named/,
    /Repository Not Found/,
    /LocalEntryNotFoundError/,
  ]
    .map((r) => r.source)
    .join('|'),
  'i',
);

const missingModel = () => new CaptionEngineError('missing_model', `The captioning model is missing: download "${CAPTION_MODEL_REPO}" on the Models page.`, false);

/** What the engine's last lines say went wrong, in words for a person. */
export function classifyFailure(tail: string[], code: number | null): CaptionEngineError {
  const text = tail.join('\n');
  if (/out of memory|CUDA error: out of memory|OutOfMemoryError/i.test(text)) {
    return new CaptionEngineError('oom', 'The captioner ran out of GPU memory. Stop other jobs on this GPU and try again.', false);
  }
  if (MISSING_MODEL_FILE.test(text)) return missingModel();
  const last = tail.filter((l) => l.trim()).at(-1) ?? `exit code ${code}`;
  return new CaptionEngineError('engine_error', `The captioner stopped: ${last}`, true);
}

/**
 * ai-toolkit's Qwen3-VL captioner (extensions_built_in/captioner) run as a process from the pinned checkout: the
 * job's photos are linked into a folder as `<photo id>.<ext>`, ai-toolkit writes `<photo id>.txt` beside each, and
 * each caption is taken as soon as its file is complete.
 */
export function createAiToolkitCaptioner(config: Config): CaptioningEngine {
  const { path: checkout, python } = config.aitoolkit;
  const captionDevice = captionDeviceOf(config);
  const status = (state: EngineStatus['state'], message: string): EngineStatus => ({
    kind: 'captioning',
    id: AI_TOOLKIT_CAPTIONER.id,
    label: AI_TOOLKIT_CAPTIONER.label,
    state,
    message,
  });
  return {
    ...AI_TOOLKIT_CAPTIONER,
    kind: 'captioning',

    async check() {
      if (!existsSync(path.join(checkout, 'extensions_built_in', 'captioner', 'Qwen3VLCaptioner.py'))) {
        return status('missing', `ai-toolkit's captioner is not installed: ${checkout}/extensions_built_in/captioner is missing (scripts/vendor/sync ai-toolkit)`);
      }
      // The engine itself is ready; "Write captions" is refused until the model is downloaded.
      return captionModelProvisioned(config)
        ? status('ready', `Qwen3-VL captioner with ${captionModelPath(config)}`)
        : status('ready', `Qwen3-VL captioner; its model ${CAPTION_MODEL_REPO} is not downloaded yet: download it on the Models page`);
    },

    async caption(job, onCaption, signal, logger) {
      // The API refuses a job without the model, but a file may go after the job was queued (the model deleted).
      if (!captionModelProvisioned(config)) throw missingModel();
      const imagesDir = path.join(job.workDir, 'images');
      await mkdir(imagesDir, { recursive: true });
      const captionFiles = new Map<string, string>();
      for (const image of job.images) {
        const ext = path.extname(image.path).toLowerCase() || '.jpg';
        const link = path.join(imagesDir, `${image.id}${ext}`);
        if (!existsSync(link)) await symlink(image.path, link);
        captionFiles.set(image.id, path.join(imagesDir, `${image.id}.txt`));
      }
      const configPath = path.join(job.workDir, 'caption-job.json');
      const device = await captionDevice();
      await writeFile(configPath, JSON.stringify(buildCaptionConfig({ name: `caption-${job.jobId}`, imagesDir, modelPath: captionModelPath(config), style: job.style, device }), null, 2));
      return runEngine(job, captionFiles, configPath, onCaption, signal, logger);
    },
  };

  async function runEngine(
    job: CaptionJob,
    captionFiles: Map<string, string>,
    configPath: string,
    onCaption: (result: CaptionResult) => void,
    signal: AbortSignal,
    logger: Logger,
  ): Promise<CaptionResult[]> {
    signal.throwIfAborted();
    const child = spawn(python, [LAUNCHER, path.join(checkout, 'run.py'), configPath], {
      cwd: checkout,
      env: engineEnv(config, job.jobId, job.correlationId),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const remember = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/[\r\n]+/)) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        logger.debug('captioner.output', line, { stream, jobId: job.jobId });
      }
    };
    child.stdout.on('data', remember('stdout'));
    child.stderr.on('data', remember('stderr'));
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    signal.addEventListener('abort', killGroup, { once: true });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });

    const results = new Map<string, CaptionResult>();
    const collect = async (final: boolean) => {
      for (const [id, file] of captionFiles) {
        if (results.has(id)) continue;
        try {
          const info = await stat(file);
          if (!final && Date.now() - info.mtimeMs < SETTLED_MS) continue;
          const text = (await readFile(file, 'utf8')).trim();
          if (!text) continue;
          const result = { id, caption: withTrigger(text) };
          results.set(id, result);
          onCaption(result);
        } catch {
          // not written yet
        }
      }
    };
    let running = true;
    const watching = (async () => {
      while (running) {
        await collect(false);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    let code: number | null;
    try {
      code = await exited;
    } catch (err) {
      throw new CaptionEngineError('engine_missing', `The captioner could not start: ${err instanceof Error ? err.message : String(err)}`, false);
    } finally {
      running = false;
      signal.removeEventListener('abort', killGroup);
      await watching;
    }
    signal.throwIfAborted();
    await collect(true);
    if (code !== 0) throw classifyFailure(tail, code);
    const missing = [...captionFiles.keys()].filter((id) => !results.has(id));
    if (missing.length > 0) {
      throw new CaptionEngineError('no_caption', `The captioner wrote no caption for ${missing.length} photo(s): ${tail.filter((l) => /Error/i.test(l)).at(-1) ?? 'no reason given'}`, false);
    }
    return [...captionFiles.keys()].map((id) => results.get(id)!);
  }
}
