import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './project-root';
import { resolveDataRoot, storagePaths, within } from './storage';

describe('resolveDataRoot', () => {
  const dirs = (...present: string[]) => (p: string) => present.includes(p);

  it('prefers DATA_DIR, resolving a relative one against the project', () => {
    expect(resolveDataRoot('/mnt/data', dirs('/runpod-volume'))).toBe('/mnt/data');
    expect(resolveDataRoot('var/data', dirs())).toBe(path.join(PROJECT_ROOT, 'var', 'data'));
  });

  it('uses a RunPod volume when present: /runpod-volume first, then /workspace', () => {
    expect(resolveDataRoot(undefined, dirs('/runpod-volume', '/workspace'))).toBe('/runpod-volume');
    expect(resolveDataRoot(undefined, dirs('/workspace'))).toBe('/workspace');
  });

  it('falls back to ./data in the project', () => {
    expect(resolveDataRoot(undefined, dirs())).toBe(path.join(PROJECT_ROOT, 'data'));
  });
});

describe('storagePaths', () => {
  it('lays out every folder of design §7 under the root', () => {
    const p = storagePaths('/d');
    expect(p).toMatchObject({
      uploads: '/d/uploads',
      datasets: '/d/datasets',
      training: '/d/training',
      loras: '/d/models/loras',
      baseModels: '/d/models/base',
      outputs: '/d/outputs',
      pg: '/d/pg',
      temporal: '/d/temporal',
    });
  });
});

describe('within', () => {
  it('joins paths inside the base and refuses escapes', () => {
    expect(within('/d/outputs', 'gen-1', 'a.png')).toBe('/d/outputs/gen-1/a.png');
    expect(() => within('/d/outputs', '../pg/x')).toThrow(/escapes/);
    expect(() => within('/d/outputs', '/etc/passwd')).toThrow(/escapes/);
  });
});
