import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactKey } from './keys';
import { isStored, pullIfStored, pushFolder } from './store-calls';
import { DataRootStore } from './data-root';
import type { ArtifactStore } from './store';

const root = mkdtempSync(path.join(os.tmpdir(), 'isengard-store-calls-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The data-root store, with every push it is asked for written down. */
function recordingStore(): { store: ArtifactStore; pushed: string[] } {
  const store = new DataRootStore(root);
  const pushed: string[] = [];
  const push = store.push.bind(store);
  store.push = async (key) => {
    pushed.push(key);
    await push(key);
  };
  return { store, pushed };
}

describe('the files of jobs through the artifact store', () => {
  it('spells keys as the database does: relative, with / between the folders', () => {
    expect(artifactKey('training', 'run-1/', 'name\\file.safetensors')).toBe('training/run-1/name/file.safetensors');
    expect(artifactKey('./outputs/g1/00.png')).toBe('outputs/g1/00.png');
  });

  it('answers null for a file the store does not have, and its local path for one it has', async () => {
    const { store } = recordingStore();
    mkdirSync(path.join(root, 'uploads', 'c1'), { recursive: true });
    writeFileSync(path.join(root, 'uploads', 'c1', 'p1.jpg'), 'jpeg');
    expect(await pullIfStored(store, 'uploads/c1/p1.jpg')).toBe(path.join(root, 'uploads', 'c1', 'p1.jpg'));
    expect(await pullIfStored(store, 'uploads/c1/gone.jpg')).toBeNull();
    expect(await isStored(store, 'uploads/c1/p1.jpg')).toBe(true);
    expect(await isStored(store, 'uploads/c1/gone.jpg')).toBe(false);
  });

  it('pushes every file of a folder, the nested ones too, in name order, and no half download', async () => {
    const { store, pushed } = recordingStore();
    const run = path.join(root, 'training', 'r1');
    mkdirSync(path.join(run, 'name', 'samples'), { recursive: true });
    writeFileSync(path.join(run, 'name', 'name_000000050.safetensors'), 'x');
    writeFileSync(path.join(run, 'name', 'optimizer.pt'), 'x');
    writeFileSync(path.join(run, 'name', 'samples', '1__000000050_0.jpg'), 'x');
    // A download a crash cut off is no file of the store.
    writeFileSync(path.join(run, 'name', '.name_000000025.safetensors.0a1b2c3d.partial'), 'x');
    const keys = ['training/r1/name/name_000000050.safetensors', 'training/r1/name/optimizer.pt', 'training/r1/name/samples/1__000000050_0.jpg'];
    expect(await pushFolder(store, 'training/r1')).toEqual(keys);
    expect(pushed).toEqual(keys);
    expect(await pushFolder(store, 'training/none')).toEqual([]);
  });
});
