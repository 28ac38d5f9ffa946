import { describe, expect, it } from 'vitest';
import type { GpuReport } from '../lib/contracts/gpu-workers';
import type { GpuWorkerHealth } from '../lib/contracts/health';
import { checkGpu } from './health';

const gpu = (over: Partial<GpuReport>): GpuReport => ({
  state: 'usable',
  device: 'NVIDIA H100 80GB HBM3',
  totalMb: 81_100,
  freeMb: 80_486,
  probes: [],
  reason: null,
  cpuAllowed: false,
  checkedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const worker = (workerId: string, report: GpuReport | null, state: GpuWorkerHealth['state'] = 'idle'): GpuWorkerHealth => ({
  workerId,
  identity: `1@${workerId}`,
  hostname: 'host',
  state,
  silentSeconds: 1,
  jobs: [],
  engines: [],
  gpu: report,
});

const CPU_ONLY = 'cannot use its GPU for ai-toolkit: torch 2.5.1+cpu was built without CUDA, so it can only use the CPU. Recreate it.';

describe('the GPU health check', () => {
  it('names each live worker\'s GPU with its memory', () => {
    expect(checkGpu([worker('a', gpu({})), worker('b', gpu({ state: 'simulated', device: 'Simulated GPU' })), worker('c', null)])).toEqual({
      ok: true,
      message: 'a: NVIDIA H100 80GB HBM3, 78.6 GB free of 79.2 GB; b: simulated (fast-test); c: not reported (a worker of an earlier release)',
    });
  });

  it('fails for a worker whose engine cannot use its GPU, with the reason; not when ALLOW_CPU_ENGINES lets it run on the CPU', () => {
    const unusable = gpu({ state: 'unusable', device: null, reason: CPU_ONLY });
    expect(checkGpu([worker('a', gpu({})), worker('b', unusable)])).toEqual({ ok: false, message: `GPU worker b ${CPU_ONLY}` });
    expect(checkGpu([worker('b', { ...unusable, cpuAllowed: true })])).toEqual({
      ok: true,
      message: 'b: no usable GPU, its engines run on the CPU as ALLOW_CPU_ENGINES asks (slowly)',
    });
    // A lost worker's GPU is not news; no live worker at all is.
    expect(checkGpu([worker('b', unusable, 'lost')])).toEqual({ ok: false, message: 'No running GPU worker has reported its GPU' });
  });
});
