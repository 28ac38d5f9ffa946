import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../../lib/config';
import type { GenerationParams } from '../../../lib/contracts/generations';
import type { Logger } from '../../../lib/logger/logger';
import { addPngText, pngSize } from '../../../lib/png-text';
import type { EngineStatus } from '../../engine';
import { ImageEngineError, type ImageEngine, type ImageOutput } from '../interface';
import { ComfyUnavailableError, ComfyValidationError, newSubmission, type ComfyImage } from './client';
import { explainExecutionError, explainValidation } from './errors';
import { buildGraph, samplerNodeId, saveNodeId, type Graph } from './graphs';
import { COMFYUI } from './meta';
import { linkCheckpointLora, SubmittedModelFiles } from './model-files';
import { ComfyServer, modelPathsYaml } from './server-process';

/** A generation's parameters as a line of text, the way image tools usually write them into a PNG. */
function describe(p: GenerationParams, seed: number): string {
  const lora = p.lora ? `, LoRA: ${p.lora.name} (${p.lora.fileName}) at ${p.lora.strength}` : '';
  return `${p.prompt}\nNegative prompt: ${p.negativePrompt}\nSteps: ${p.steps}, Sampler: ${p.sampler}, Scheduler: ${p.scheduler}, Guidance: ${p.guidance}, Seed: ${seed}, Size: ${p.width}x${p.height}, Model: ${p.baseModel}${lora}`;
}

/** What a generation that ran out of space says, wherever the write failed (ours or ComfyUI's own). */
export const DISK_FULL_MESSAGE = 'The disk is full: the images could not be saved. Free some space, then re-run this generation.';

/** Node's code (ENOSPC, or EDQUOT for a quota), or the words Python and Node use for it in a message. */
const NO_SPACE_WORDS = /\bENOSPC\b|\bEDQUOT\b|No space left on device|Disk quota exceeded|\[Errno 28\]/i;

/** Whether a failure means the disk is full: by its code, a cause's, or the words of an engine's own error. */
export function isNoSpace(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code);
    if (code === 'ENOSPC' || code === 'EDQUOT' || NO_SPACE_WORDS.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}

const diskFull = () => new ImageEngineError('disk_full', DISK_FULL_MESSAGE, false);

/** ComfyUI behind the ImageEngine interface (design §5): its own server on 127.0.0.1, one prompt per picture. */
export function createComfyEngine(config: Config, logger: Logger): ImageEngine {
  const server = new ComfyServer(config, logger);
  const modelPaths = Object.values(modelPathsYaml(config, server.folders));
  const submittedFiles = new SubmittedModelFiles((folder) =>
    modelPaths.flatMap((section) => (typeof section[folder] === 'string' ? [path.join(String(section.base_path), section[folder])] : [])),
  );
  const status = (state: EngineStatus['state'], message: string): EngineStatus => ({ kind: 'image', id: 'comfyui', label: 'ComfyUI', state, message });

  return {
    ...COMFYUI,
    kind: 'image',

    async check() {
      const { managed, simulated, path: checkout, command } = config.comfyui;
      if (managed && !simulated) {
        if (!existsSync(path.join(checkout, 'main.py'))) {
          return status('missing', `ComfyUI is not installed: ${checkout}/main.py does not exist (fetch it at its pin with scripts/vendor/sync comfyui)`);
        }
        if (!existsSync(command.executable)) {
          return status('missing', `The Python for ComfyUI is missing: ${command.executable} (create the engine environment with scripts/engines/create-env comfyui)`);
        }
      }
      try {
        await server.client.systemStats();
        return simulated ? status('simulated', 'Simulator: same HTTP and WebSocket API as ComfyUI') : status('ready', `ComfyUI answers at ${config.comfyui.url}`);
      } catch {
        return managed
          ? status('starting', `ComfyUI is installed but not answering at ${config.comfyui.url} (starting, or restarting after a crash)`)
          : status('missing', `No ComfyUI answers at COMFYUI_URL ${config.comfyui.url}`);
      }
    },

    async start() {
      if (config.comfyui.managed) await server.ensureRunning();
    },

    async stop() {
      if (config.comfyui.managed) await server.stop();
    },

    async freeVram() {
      try {
        await server.client.free();
      } catch {
        // Not running: nothing holds the GPU.
      }
    },

    async generate(job, onProgress, signal) {
      if (signal.aborted) throw new ImageEngineError('cancelled', 'Cancelled', false);
      try {
        await this.start();
      } catch (err) {
        // Starting ComfyUI writes its folders and settings under the data root.
        if (isNoSpace(err)) throw diskFull();
        throw err;
      }
      if (job.params.lora) await linkCheckpointLora(config.storage.root, config.storage.loras, job.params.lora);
      const { client } = server;
      const cancel = () => new ImageEngineError('cancelled', 'Cancelled', false);
      // One single-image prompt per picture, seeds seed..seed+batch-1: ComfyUI draws a whole batch's noise from one
      // seed (comfyui.md §10), so only this way does every picture's recorded seed make that picture again.
      const images: ComfyImage[] = [];
      for (let index = 0; index < job.params.batch; index++) {
        if (signal.aborted) throw cancel();
        const params = { ...job.params, seed: job.params.seed + index, batch: 1 };
        const graph = buildGraph(params, job.generationId);
        const image = await runPrompt(graph, params, (fraction) => onProgress(Math.min(0.99, (index + fraction) / job.params.batch)));
        images.push(image);
      }

      /** Submits one graph under a prompt id of its own and follows it to its one image. */
      async function runPrompt(graph: Graph, params: GenerationParams, onPromptProgress: (fraction: number) => void): Promise<ComfyImage> {
        const replaced = await submittedFiles.replacedBefore(graph);
        const { promptId, clientId } = newSubmission(job.generationId);
        try {
          if (replaced.length > 0) {
            // ComfyUI would serve the old file from its cache (comfyui.md §10).
            logger.info('comfyui.models_replaced', 'Model files replaced since ComfyUI loaded them: freeing its cache', { files: replaced });
            await client.free();
          }
          await client.submit(graph, promptId, clientId, { isengard_generation: job.generationId });
        } catch (err) {
          if (err instanceof ComfyValidationError) {
            const explained = explainValidation(err);
            throw new ImageEngineError(explained.code, explained.message, false);
          }
          if (err instanceof ComfyUnavailableError) throw new ImageEngineError('engine_unavailable', err.message, true);
          throw err;
        }
        onPromptProgress(0);

        const sampler = samplerNodeId(params);
        const onAbort = () => void client.cancel(promptId).catch(() => undefined);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort(); // cancelled while it was being submitted
        let outcome;
        try {
          outcome = await client.follow(
            promptId,
            clientId,
            (p) => {
              if (p.node === sampler && p.max > 0) onPromptProgress(p.value / p.max);
            },
            { signal, outputNode: saveNodeId(params) },
          );
        } catch (err) {
          if (signal.aborted) throw cancel();
          throw new ImageEngineError('engine_unavailable', `Lost ComfyUI while generating: ${(err as Error).message}`, true);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
        if (outcome.kind === 'interrupted') throw cancel();
        if (outcome.kind === 'error') {
          // ComfyUI writes each image to its own output folder first (on the data volume too): no space there is
          // no fault of the engine, and retrying cannot help.
          if (isNoSpace({ message: `${outcome.exceptionType}: ${outcome.message}` })) throw diskFull();
          const explained = explainExecutionError(outcome.exceptionType, outcome.message, outcome);
          throw new ImageEngineError(explained.code, explained.message, explained.retryable);
        }
        const [image] = outcome.images;
        if (!image) throw new ImageEngineError('engine_error', 'ComfyUI finished the prompt without an image', true);
        return image;
      }

      try {
        await mkdir(job.outputDir, { recursive: true });
      } catch (err) {
        if (isNoSpace(err)) throw diskFull();
        throw err;
      }
      const outputs: ImageOutput[] = [];
      for (const [index, image] of images.entries()) {
        // Cancelled while the images are saved: none is kept.
        if (signal.aborted) {
          await rm(job.outputDir, { recursive: true, force: true });
          throw cancel();
        }
        const seed = job.params.seed + index;
        const tagged = addPngText(await client.view(image), {
          parameters: describe(job.params, seed),
          isengard: JSON.stringify({ generationId: job.generationId, index, ...job.params, seed }),
        });
        const file = path.join(job.outputDir, `${String(index + 1).padStart(2, '0')}.png`);
        try {
          await writeFile(`${file}.partial`, tagged);
          await rename(`${file}.partial`, file);
        } catch (err) {
          await rm(`${file}.partial`, { force: true });
          if (isNoSpace(err)) throw diskFull();
          throw err;
        }
        outputs.push({
          index,
          path: file,
          ...pngSize(tagged),
          seed,
          sizeBytes: tagged.length,
          sha256: createHash('sha256').update(tagged).digest('hex'),
        });
      }
      onProgress(1);
      return outputs;
    },
  };
}
