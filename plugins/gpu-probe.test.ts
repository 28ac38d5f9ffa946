import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProbeOutput, probeGpu, probeResult, runProbeScript, type EngineGpuPython, type ProbeOutput } from './gpu-probe';

const engine: EngineGpuPython = {
  engine: 'ai-toolkit',
  label: 'ai-toolkit',
  kind: 'training',
  python: '/opt/aitk/venv/bin/python',
  fixEnvironment: "Recreate ai-toolkit's environment with a CUDA build of torch, then restart the GPU worker.",
};

const GIB = 1024 ** 3;

/** What gpu_probe.py prints on a healthy H100 pod. */
const h100: ProbeOutput = {
  python: '3.11.9',
  torch: '2.7.0+cu128',
  torch_error: null,
  cuda_build: '12.8',
  cuda_available: true,
  cuda_error: null,
  device: 'NVIDIA H100 80GB HBM3',
  total_bytes: 79.2 * GIB,
  free_bytes: 78.6 * GIB,
};

const answered = (out: Partial<ProbeOutput>, noise = '') =>
  probeResult(engine, { kind: 'answered', stdout: `${noise}${JSON.stringify({ ...h100, ...out })}\n`, stderr: '' });

describe('reading the GPU probe', () => {
  it('finds the JSON line after whatever else the Python printed', () => {
    expect(parseProbeOutput(`a warning\n${JSON.stringify(h100)}\n`)).toMatchObject({ torch: '2.7.0+cu128', cuda_available: true });
    expect(parseProbeOutput('Traceback (most recent call last):\n  {oops\n')).toBeUndefined();
    expect(parseProbeOutput('{"torch": 3}')).toBeUndefined();
  });

  it('a usable GPU: device, memory in megabytes, versions, no reason', () => {
    expect(answered({}, 'UserWarning: something\n')).toEqual({
      engine: 'ai-toolkit',
      label: 'ai-toolkit',
      state: 'usable',
      python: '3.11.9',
      torch: '2.7.0+cu128',
      cuda: '12.8',
      device: 'NVIDIA H100 80GB HBM3',
      totalMb: 81100,
      freeMb: 80486,
      reason: null,
    });
  });

  it('a CPU-only torch build: says so, and how to rebuild the environment', () => {
    const probe = answered({ torch: '2.5.1+cpu', cuda_build: null, cuda_available: false, device: null, total_bytes: null, free_bytes: null });
    expect(probe.state).toBe('unusable');
    expect(probe.cuda).toBeNull();
    expect(probe.reason).toBe(
      "torch 2.5.1+cpu was built without CUDA, so it can only use the CPU. Recreate ai-toolkit's environment with a CUDA build of torch, then restart the GPU worker.",
    );
  });

  it('no NVIDIA driver: torch\'s own words, and what to check on the machine', () => {
    const probe = answered({
      cuda_available: false,
      cuda_error:
        'CUDA initialization: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx (Triggered internally at /pytorch/c10/cuda/CUDAFunctions.cpp:109.)',
      device: null,
      total_bytes: null,
      free_bytes: null,
    });
    expect(probe.state).toBe('unusable');
    expect(probe.reason).toMatch(
      /^torch 2\.7\.0\+cu128 \(built for CUDA 12\.8\) finds no usable NVIDIA GPU: CUDA initialization: Found no NVIDIA driver on your system\. Please check that you have an NVIDIA GPU and installed a driver from http:\/\/www\.nvidia\.com\/Download\/index\.aspx\. Check that this machine has an NVIDIA GPU and its driver \(nvidia-smi lists it\)/,
    );
    expect(answered({ cuda_available: false, device: null }).reason).toContain('no NVIDIA driver is loaded, or no GPU is visible to this process');
  });

  it('a GPU that cannot run torch\'s code names the device and the error', () => {
    const probe = answered({ cuda_available: false, cuda_error: 'CUDA error: no kernel image is available for execution on the device' });
    expect(probe.reason).toMatch(/^the NVIDIA H100 80GB HBM3 does not run torch 2\.7\.0\+cu128's CUDA code \(CUDA error: no kernel image/);
  });

  it('torch missing or broken', () => {
    expect(answered({ torch: null, cuda_build: null, cuda_available: false }).reason).toBe(
      `torch is not installed in its Python (/opt/aitk/venv/bin/python). ${engine.fixEnvironment}`,
    );
    expect(answered({ torch: null, torch_error: 'OSError: libcudart.so.12: cannot open shared object file', cuda_available: false }).reason).toBe(
      `torch cannot be imported in its Python (/opt/aitk/venv/bin/python): OSError: libcudart.so.12: cannot open shared object file. ${engine.fixEnvironment}`,
    );
  });

  it('a Python that is missing, stuck, failing or silent', () => {
    expect(probeResult(engine, { kind: 'missing' })).toMatchObject({ state: 'missing', reason: expect.stringContaining('does not exist yet') });
    expect(probeResult(engine, { kind: 'timeout', timeoutMs: 60_000 }).reason).toMatch(/did not finish the GPU check within 60 s\. A hung NVIDIA driver/);
    expect(probeResult(engine, { kind: 'failed', message: 'Segmentation fault' }).reason).toBe(
      `its Python (/opt/aitk/venv/bin/python) failed the GPU check: Segmentation fault. ${engine.fixEnvironment}`,
    );
    expect(probeResult(engine, { kind: 'answered', stdout: '', stderr: 'Illegal instruction\n' }).reason).toContain('no result (it said: Illegal instruction)');
  });
});

describe('running the GPU probe', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-probe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  it('runs plugins/gpu_probe.py: a Python without torch says so', async () => {
    // -S: no site-packages, so torch cannot be found whatever this machine has installed.
    const python = script('python-without-site', 'exec python3 -S "$@"');
    const probe = await probeGpu({ ...engine, python });
    expect(probe).toMatchObject({ state: 'unusable', torch: null, python: expect.stringMatching(/^3\.\d+/) });
    expect(probe.reason).toBe(`torch is not installed in its Python (${python}). ${engine.fixEnvironment}`);
  });

  it('a Python that does not exist is missing, one that never answers is stopped at the time limit', async () => {
    expect(await runProbeScript(path.join(dir, 'no-such-python'))).toEqual({ kind: 'missing' });
    expect(await runProbeScript(script('python-stuck', 'exec sleep 30'), 300)).toEqual({ kind: 'timeout', timeoutMs: 300 });
    expect(await runProbeScript(script('python-crashing', 'echo "Fatal Python error: bad" >&2; exit 134'))).toEqual({
      kind: 'failed',
      message: 'Fatal Python error: bad',
    });
  });
});
