import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataRootStore } from './data-root';
import { ArtifactMissingError } from './store';

let root: string;
let store: DataRootStore;

function write(key: string, data = 'x') {
  const file = path.join(root, ...key.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'isengard-data-root-'));
  store = new DataRootStore(root);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('DataRootStore', () => {
  it('maps keys under the data root and refuses keys that leave it', () => {
    expect(store.localPath('loras/a.safetensors')).toBe(path.join(root, 'loras', 'a.safetensors'));
    for (const key of ['../etc/passwd', 'loras/../../x', '/etc/passwd', '', 'a\\..\\b']) {
      expect(() => store.localPath(key), key).toThrow(/Not a key inside the data root/);
    }
  });

  it('pulls a file that is there and says which one is not', async () => {
    write('outputs/g1/1.png');
    expect(await store.pull('outputs/g1/1.png')).toBe(path.join(root, 'outputs', 'g1', '1.png'));
    await expect(store.pull('outputs/g1/2.png')).rejects.toBeInstanceOf(ArtifactMissingError);
    // A folder is not a file.
    await expect(store.pull('outputs/g1')).rejects.toThrow('The file "outputs/g1" is not in the store.');
  });

  it('pushes only a file that exists', async () => {
    write('training/r1/step-100.safetensors');
    await store.push('training/r1/step-100.safetensors');
    await expect(store.push('training/r1/step-200.safetensors')).rejects.toThrow(/Cannot store "training\/r1\/step-200.safetensors": there is no file at/);
  });

  it('lists and pulls the files under a folder key, not those of a folder that merely starts alike', async () => {
    write('datasets/r1/a.png', 'aaa');
    write('datasets/r1/sub/b.txt', 'b');
    write('datasets/r10/c.png');
    expect(await store.pullFolder('datasets/r1')).toEqual(['datasets/r1/a.png', 'datasets/r1/sub/b.txt']);
    expect(await store.list('datasets/r1/')).toEqual([
      { key: 'datasets/r1/a.png', sizeBytes: 3, sha256: null },
      { key: 'datasets/r1/sub/b.txt', sizeBytes: 1, sha256: null },
    ]);
    expect(await store.pullFolder('datasets/none')).toEqual([]);
  });

  it('removes a key or a folder key, and nothing else', async () => {
    write('datasets/r1/a.png');
    write('datasets/r10/c.png');
    write('loras/x.safetensors');
    await store.remove('loras/x.safetensors');
    await store.remove('datasets/r1');
    expect(existsSync(path.join(root, 'loras', 'x.safetensors'))).toBe(false);
    expect(existsSync(path.join(root, 'datasets', 'r1'))).toBe(false);
    expect(existsSync(path.join(root, 'datasets', 'r10', 'c.png'))).toBe(true);
    await expect(store.remove('')).rejects.toThrow(/Not a key inside the data root/);
  });
});
