import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lib/config';
import type { GenerationOutcome } from '../../lib/contracts/generation-report';
import { resolveGenerationParams } from '../../lib/contracts/generations';
import { createLogger } from '../../lib/logger/logger';
import { freePort } from '../../temporal-dev/dev-server';
import { ComfyClient } from '../../plugins/image/comfyui/client';
import { createEngineRegistry } from '../../plugins/registry';
import { createAcquireGpu, createReleaseGpu } from './acquire';
import type { GpuContext } from './context';
import { createGenerateAndRecord } from './generate';
import { EarlyGenerations } from './generation-runs';
import { GpuLeases } from './leases';

/**
 * A GPU worker's acquire, pinned generation and release activities on the real ComfyUI engine (the simulator on a
 * free port): the worker that takes a generation's slot starts its prompt at once, and the pinned activity takes
 * that prompt over instead of submitting it again; a job that lets the slot go first has its prompt interrupted.
 */
const root = mkdtempSync(path.join(os.tmpdir(), 'early-generation-test-'));
let ctx: GpuContext;
let comfy: ComfyClient;

beforeAll(async () => {
  const port = await freePort();
  const config = loadConfig({
    DATA_DIR: root,
    GPU_WORKER_ID: 'early-test',
    COMFYUI_PORT: String(port),
    ISENGARD_SIM_COMFY_STEP_MS: '5',
    // Nobody answers here: the images are not recorded through the control plane (the workflow would do it).
    CONTROL_PLANE_URL: `http://127.0.0.1:${await freePort()}`,
  });
  const logger = createLogger({ service: 'worker', level: 'ERROR', dir: path.join(root, 'logs') });
  ctx = {
    config,
    logger,
    leases: new GpuLeases(1, 60_000),
    earlyGenerations: new EarlyGenerations(60_000),
    engines: createEngineRegistry(config, logger),
    trainings: new Map(),
    workerId: 'early-test',
    queue: 'isengard-gpu.early-test',
    identity: 'early-test',
  };
  await ctx.engines.imageEngine().start();
  comfy = new ComfyClient(config.comfyui.url);
}, 60_000);

afterAll(async () => {
  await ctx?.engines.imageEngine().stop();
  rmSync(root, { recursive: true, force: true });
});

const generation = (generationId: string, steps: number, seed: number) => ({
  generationId,
  params: resolveGenerationParams({ prompt: 'a lighthouse', width: 256, height: 256, steps, seed, batch: 2 }, null, () => 0),
});

describe('a generation started as its job takes the GPU slot', () => {
  it('runs once: the pinned activity takes the running prompt over, hears its progress and writes its images', async () => {
    const job = generation('early-taken', 40, 11);
    const jobId = `generation-${job.generationId}`;
    const generate = vi.spyOn(ctx.engines.imageEngine(), 'generate');
    const lease = await createAcquireGpu(ctx)({ jobId, generation: job });
    expect(lease.queue).toBe(ctx.queue);
    expect(ctx.earlyGenerations.jobs()).toEqual([jobId]);
    // The prompt is on the engine before any pinned activity exists (waiting, running, or already done).
    await expect.poll(async () => (await comfy.isQueued(job.generationId)) || (await comfy.history(job.generationId)) !== undefined).toBe(true);

    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const outcome: GenerationOutcome = await env.run(createGenerateAndRecord(ctx), { ...job, jobId });

    expect(generate).toHaveBeenCalledTimes(1);
    generate.mockRestore();
    expect(ctx.earlyGenerations.jobs()).toEqual([]);
    expect(outcome.recorded).toBe(false);
    expect(outcome.images.map((image) => [image.index, image.width, image.height])).toEqual([
      [0, 256, 256],
      [1, 256, 256],
    ]);
    for (const image of outcome.images) expect(existsSync(path.join(root, image.filePath))).toBe(true);
    // The progress of a prompt started in another activity reaches this one's heartbeats.
    expect(beats.at(-1)).toEqual({ progress: 1 });
    expect(ctx.leases.jobs()).toEqual([]);
  }, 30_000);

  it('is interrupted when its job lets the slot go before taking it over', async () => {
    const job = generation('early-dropped', 2_000, 12);
    const jobId = `generation-${job.generationId}`;
    await createAcquireGpu(ctx)({ jobId, generation: job });
    await expect.poll(() => comfy.isQueued(job.generationId)).toBe(true);

    await createReleaseGpu(ctx)({ jobId });
    expect(ctx.earlyGenerations.jobs()).toEqual([]);
    expect(ctx.leases.jobs()).toEqual([]);
    await expect.poll(async () => (await comfy.history(job.generationId))?.status.messages.at(-1)?.[0], { timeout: 10_000 }).toBe('execution_interrupted');
  }, 30_000);
});
