import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuProbe } from '../../lib/contracts/gpu-workers';
import { createLogger } from '../../lib/logger/logger';
import type { EngineGpuPython } from '../../plugins/gpu-probe';
import { GPU_UNUSABLE, GpuCheck, gpuUnusableMessage, simulatedGpu, summarizeGpu } from './gpu-check';

const probe = (over: Partial<GpuProbe>): GpuProbe => ({
  engine: 'ai-toolkit',
  label: 'ai-toolkit',
  state: 'usable',
  python: '3.11.9',
  torch: '2.7.0+cu128',
  cuda: '12.8',
  device: 'NVIDIA H100 80GB HBM3',
  totalMb: 81_100,
  freeMb: 80_486,
  reason: null,
  ...over,
});
const comfy = (over: Partial<GpuProbe>) => probe({ engine: 'comfyui', label: 'ComfyUI', ...over });
const noDriver = 'torch 2.7.0+cu128 (built for CUDA 12.8) finds no usable NVIDIA GPU: Found no NVIDIA driver on your system. Check the driver.';
const cpuBuild = "torch 2.5.1+cpu was built without CUDA, so it can only use the CPU. Recreate ai-toolkit's environment.";

describe('the GPU of a worker', () => {
  it('usable when every installed engine can use it, with the device and its memory', () => {
    const report = summarizeGpu([probe({}), comfy({ freeMb: 80_000 })], false, new Date('2026-01-01T00:00:00Z'));
    expect(report).toMatchObject({ state: 'usable', device: 'NVIDIA H100 80GB HBM3', totalMb: 81_100, freeMb: 80_486, reason: null });
    expect(report.checkedAt).toBe('2026-01-01T00:00:00.000Z');
    // An engine not installed yet does not count against the GPU: its own check says it is missing.
    expect(summarizeGpu([probe({}), comfy({ state: 'missing', reason: 'not there' })], false).state).toBe('usable');
  });

  it('unusable when one engine cannot use it; a reason the engines share is said once', () => {
    const one = summarizeGpu([probe({ state: 'unusable', reason: cpuBuild, cuda: null, device: null }), comfy({})], false);
    expect(one).toMatchObject({ state: 'unusable', device: 'NVIDIA H100 80GB HBM3', reason: `cannot use its GPU for ai-toolkit: ${cpuBuild}` });
    const both = summarizeGpu([probe({ state: 'unusable', reason: noDriver, device: null }), comfy({ state: 'unusable', reason: noDriver, device: null })], false);
    expect(both).toMatchObject({ state: 'unusable', device: null, reason: `cannot use its GPU for ai-toolkit and ComfyUI: ${noDriver}` });
    const apart = summarizeGpu([probe({ state: 'unusable', reason: cpuBuild }), comfy({ state: 'unusable', reason: noDriver })], true);
    expect(apart.reason).toBe(`cannot use its GPU for ai-toolkit: ${cpuBuild} Also for ComfyUI: ${noDriver}`);
    expect(apart.cpuAllowed).toBe(true);
  });

  it('unchecked when no engine is installed; simulated in fast-test, and named so', () => {
    expect(summarizeGpu([probe({ state: 'missing', device: null })], false)).toMatchObject({ state: 'unchecked', reason: expect.stringMatching(/not checked/) });
    expect(simulatedGpu(false)).toMatchObject({ state: 'simulated', device: expect.stringMatching(/^Simulated GPU/), totalMb: expect.any(Number), probes: [] });
  });

  it('a refused job says which worker, which engine, why and what to do', () => {
    expect(gpuUnusableMessage('pod-gpu0', probe({ state: 'unusable', reason: cpuBuild }))).toBe(
      `The GPU worker pod-gpu0 cannot use its GPU for ai-toolkit: ${cpuBuild}`,
    );
  });
});

describe('GpuCheck', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const logger = createLogger({ service: 'worker', level: 'ERROR', dir: path.join(dir, 'logs') });

  /** An "engine Python" that answers the probe as a CPU-only torch does. */
  const cpuOnlyPython = path.join(dir, 'python-cpu-only');
  writeFileSync(
    cpuOnlyPython,
    `#!/bin/sh\necho '${JSON.stringify({ python: '3.12.3', torch: '2.5.1+cpu', torch_error: null, cuda_build: null, cuda_available: false, cuda_error: null, device: null, total_bytes: null, free_bytes: null })}'\n`,
  );
  chmodSync(cpuOnlyPython, 0o755);
  const pythons = (trainingPython: string | undefined): EngineGpuPython[] => [
    { engine: 'ai-toolkit', label: 'ai-toolkit', kind: 'training', python: trainingPython, fixEnvironment: 'Rebuild it.' },
    { engine: 'comfyui', label: 'ComfyUI', kind: 'image', python: undefined, fixEnvironment: 'Rebuild it.' },
  ];

  it('says checking until the probes answer, then refuses the jobs of the engine that cannot use the GPU', async () => {
    const check = new GpuCheck({ workerId: 'gpu-x', pythons: pythons(cpuOnlyPython), cpuAllowed: false, logger });
    expect(check.report().state).toBe('checking');
    const refused = await check.assertUsableFor('training').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({
      type: GPU_UNUSABLE,
      nonRetryable: true,
      message: "The GPU worker gpu-x cannot use its GPU for ai-toolkit: torch 2.5.1+cpu was built without CUDA, so it can only use the CPU. Rebuild it.",
    });
    expect(check.report()).toMatchObject({ state: 'unusable', probes: [{ engine: 'ai-toolkit', torch: '2.5.1+cpu', cuda: null }] });
    // The simulated image engine uses no GPU.
    await expect(check.assertUsableFor('image')).resolves.toBeUndefined();
  });

  it('with ALLOW_CPU_ENGINES it reports the GPU as unusable and lets the jobs run', async () => {
    const check = new GpuCheck({ workerId: 'gpu-x', pythons: pythons(cpuOnlyPython), cpuAllowed: true, logger });
    await expect(check.assertUsableFor('training')).resolves.toBeUndefined();
    expect(check.report()).toMatchObject({ state: 'unusable', cpuAllowed: true });
  });

  it('simulated engines: a simulated GPU, no Python run', async () => {
    const check = new GpuCheck({ workerId: 'gpu-x', pythons: pythons(undefined), cpuAllowed: false, logger });
    expect(await check.start()).toMatchObject({ state: 'simulated' });
    await expect(check.assertUsableFor('training')).resolves.toBeUndefined();
  });
});
