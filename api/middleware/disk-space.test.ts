import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger/logger';
import { storagePaths } from '../../lib/storage';
import { checkDisk } from '../health';
import { DiskFullError, isDiskFull, requireFreeSpace, volumeSpace } from './disk-space';
import { errorHandler } from './error-handler';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'isengard-disk-space-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** An app with the middleware and the error handler, a route that fails with `failure`, and one that works. */
async function appWith(reserveMb: number, failure?: () => unknown) {
  const app = express();
  const config = { storage: storagePaths(scratch), disk: { lowFreeMb: reserveMb, reserveMb } };
  app.post('/start', requireFreeSpace({ config }), (_req, res) => {
    res.status(202).json({ started: true });
  });
  app.post('/write', () => {
    throw failure?.();
  });
  app.use(errorHandler(createLogger({ service: 'api', level: 'ERROR' })));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (route: string, body?: string) => {
    const response = await fetch(base + route, { method: 'POST', body, headers: body ? { 'content-type': 'application/octet-stream' } : {} });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return { post, close };
}

describe('isDiskFull', () => {
  it('knows a full disk by its code, a quota, or PostgreSQL, also as the cause of another error', () => {
    expect(isDiskFull(enospc())).toBe(true);
    expect(isDiskFull(Object.assign(new Error('quota'), { code: 'EDQUOT' }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error('could not extend file'), { code: '53100' }))).toBe(true);
    expect(isDiskFull(new Error('Failed query: insert into …', { cause: new Error('wrapped', { cause: enospc() }) }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(false);
    expect(isDiskFull(new Error('ENOSPC in a message alone is not a code'))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });
});

describe('volumeSpace', () => {
  it('measures the volume of a folder, or of its nearest existing parent', async () => {
    const here = await volumeSpace(scratch);
    expect(here.totalBytes).toBeGreaterThan(0);
    expect(here.freeBytes).toBeGreaterThanOrEqual(0);
    expect(here.freeBytes).toBeLessThanOrEqual(here.totalBytes);
    const notYet = await volumeSpace(path.join(scratch, 'logs', 'api', 'latest'));
    expect(notYet.device).toBe(here.device);
    expect(notYet.totalBytes).toBe(here.totalBytes);
  });
});

describe('requireFreeSpace and the error handler', () => {
  it('lets work begin while the reserve is free, and refuses it with a 507 in plain words below it', async () => {
    const roomy = await appWith(0);
    expect(await roomy.post('/start')).toEqual({ status: 202, body: { started: true } });
    await roomy.close();

    const free = Math.floor((await volumeSpace(scratch)).freeBytes / 1024 ** 2);
    const cramped = await appWith(Number.MAX_SAFE_INTEGER);
    // With a body the client is still sending (an upload), the answer comes all the same.
    for (const body of [undefined, 'x'.repeat(2 * 1024 * 1024)]) {
      const refused = await cramped.post('/start', body);
      expect(refused.status).toBe(507);
      const { error } = refused.body as { error: { code: string; message: string } };
      expect(error.code).toBe('disk_full');
      expect(error.message).toMatch(/^The disk is full: only \d+ MB free on the data volume; free some space, then try again\.$/);
      expect(Math.abs(Number(/only (\d+) MB/.exec(error.message)![1]) - free)).toBeLessThan(64);
    }
    await cramped.close();
  });

  it('answers a write that found no space left, wrapped or not, with the same 507', async () => {
    for (const failure of [enospc, () => new Error('Failed query', { cause: Object.assign(new Error('disk full'), { code: '53100' }) })]) {
      const app = await appWith(0, failure);
      expect(await app.post('/write')).toEqual({
        status: 507,
        body: { error: { code: 'disk_full', message: 'The disk is full: there was no space left to save this. Free some space, then try again.' } },
      });
      await app.close();
    }
    const own = await appWith(0, () => new DiskFullError('photo.jpg could not be stored.'));
    expect(await own.post('/write')).toEqual({ status: 507, body: { error: { code: 'disk_full', message: 'The disk is full: photo.jpg could not be stored.' } } });
    await own.close();
  });
});

describe('checkDisk', () => {
  const config = (lowFreeMb: number, reserveMb: number) => ({
    storage: storagePaths(scratch),
    log: { level: 'INFO' as const, dir: path.join(scratch, 'logs'), maxFileBytes: 1 },
    disk: { lowFreeMb, reserveMb },
  });

  it('is ok with room to spare, saying how much, once for data and logs on the same volume', async () => {
    const { check, disk } = await checkDisk(config(0, 0));
    expect(check.ok).toBe(true);
    expect(check.message).toMatch(/^The data and log volume has [\d.]+ [MG]B free of [\d.]+ [MG]B$/);
    expect(disk.volumes.map((v) => [v.name, v.state, v.sameVolumeAsData])).toEqual([
      ['data', 'ok', undefined],
      ['logs', 'ok', true],
    ]);
    const [data] = disk.volumes;
    expect(data!.freeGb).toBeCloseTo(data!.freeMb / 1024, 1);
    expect(data!.totalMb).toBeGreaterThanOrEqual(data!.freeMb);
  });

  it('is degraded below the warning threshold, and says so with the numbers; below the reserve it says what is refused', async () => {
    const low = await checkDisk(config(Number.MAX_SAFE_INTEGER, 0));
    expect(low.check.ok).toBe(false);
    expect(low.check.message).toMatch(/^The data and log volume has [\d.]+ [MG]B free \(below the [\d.]+ GB warning threshold\)$/);
    expect(low.disk.volumes.every((v) => v.state === 'low')).toBe(true);

    const full = await checkDisk(config(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    expect(full.check.message).toMatch(
      /^The data and log volume has [\d.]+ [MG]B free \(below the [\d.]+ GB reserve: uploads, trainings and generations are refused until some space is freed\)$/,
    );
    expect(full.disk.volumes.every((v) => v.state === 'full')).toBe(true);
  });
});
