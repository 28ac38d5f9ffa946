import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { captionDeviceOf } from './device';

describe('the device a caption job names', () => {
  const configWith = (env: Record<string, string>) =>
    loadConfig({ ISENGARD_MODE: 'production', AITOOLKIT_PATH: path.join(os.tmpdir(), 'no-ai-toolkit'), AITOOLKIT_PYTHON: path.join(os.tmpdir(), 'no-ai-toolkit', 'python'), ...env });

  it('is the GPU unless ALLOW_CPU_ENGINES is set (the GPU check refuses jobs where there is none)', async () => {
    expect(await captionDeviceOf(configWith({}))()).toBe('cuda');
  });

  it("with ALLOW_CPU_ENGINES, the CPU when ai-toolkit's Python has no usable GPU (here: no Python at all)", async () => {
    const device = captionDeviceOf(configWith({ ALLOW_CPU_ENGINES: '1' }));
    expect(await device()).toBe('cpu');
    expect(await device()).toBe('cpu');
  });
});
