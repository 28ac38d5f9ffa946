import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateLogTree } from '../../scripts/logs/validate';
import {
  archiveIdleFiles,
  archiveStamp,
  compressArchives,
  maintainServiceLogs,
  registerWriter,
  rotateServiceLogs,
  tryLock,
  withRotationLock,
} from './rotate';

describe('log rotation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rotate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const latest = () => path.join(dir, 'api', 'latest');
  const archive = () => path.join(dir, 'api', 'archive');

  it('stamps archives in UTC as YYYYMMDD_HHMMSS', () => {
    expect(archiveStamp(new Date('2026-11-23T20:19:05.123Z'))).toBe('20261123_201905');
  });

  it('moves latest/ to archive/<timestamp>/ at start', () => {
    mkdirSync(latest(), { recursive: true });
    writeFileSync(path.join(latest(), 'api.log'), 'old\n');
    rotateServiceLogs(dir, 'api', new Date('2026-11-23T20:19:05Z'));
    expect(existsSync(latest())).toBe(false);
    expect(readFileSync(path.join(archive(), '20261123_201905', 'api.log'), 'utf8')).toBe('old\n');
  });

  it('never overwrites an archive made in the same second', () => {
    const now = new Date('2026-11-23T20:19:05Z');
    for (let i = 0; i < 2; i++) {
      mkdirSync(latest(), { recursive: true });
      writeFileSync(path.join(latest(), 'api.log'), `run ${i}\n`);
      rotateServiceLogs(dir, 'api', now);
    }
    expect(readdirSync(archive()).sort()).toEqual(['20261123_201905', '20261123_201905_2']);
  });

  it('leaves latest/ alone while another live process writes there', async () => {
    mkdirSync(latest(), { recursive: true });
    const sibling = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      mkdirSync(path.join(latest(), '.writers'), { recursive: true });
      writeFileSync(path.join(latest(), '.writers', String(sibling.pid)), '');
      rotateServiceLogs(dir, 'api');
      expect(existsSync(latest())).toBe(true);
    } finally {
      sibling.kill();
    }
  });

  it('rotates when the recorded writers are dead', () => {
    const unregister = registerWriter(latest());
    writeFileSync(path.join(latest(), '.writers', '999999'), '');
    unregister();
    rotateServiceLogs(dir, 'api');
    expect(existsSync(latest())).toBe(false);
  });

  it('deletes archives older than 30 days', () => {
    mkdirSync(path.join(archive(), '20261001_000000'), { recursive: true });
    mkdirSync(path.join(archive(), '20261120_000000'), { recursive: true });
    rotateServiceLogs(dir, 'api', new Date('2026-11-23T00:00:00Z'));
    expect(readdirSync(archive())).toEqual(['20261120_000000']);
  });

  const line = JSON.stringify({
    timestamp: '2026-11-01T10:00:00.000Z',
    level: 'INFO',
    service: 'api',
    correlation_id: null,
    message: 'old',
    event: 'request.start',
    context: {},
  });

  it('compresses archives older than 7 days and deletes those older than 30, at start and while running', async () => {
    for (const stamp of ['20261020_000000', '20261110_000000', '20261120_000000']) {
      mkdirSync(path.join(archive(), stamp, 'subprocess'), { recursive: true });
      writeFileSync(path.join(archive(), stamp, 'api.log'), `${line}\n`);
      writeFileSync(path.join(archive(), stamp, 'subprocess', 'run.stdout.log'), `${line}\n`);
    }
    const now = new Date('2026-11-23T00:00:00Z');
    expect(await maintainServiceLogs(path.join(dir, 'api'), now)).toBe(true);

    expect(readdirSync(archive()).sort()).toEqual(['20261110_000000', '20261120_000000']);
    // 13 days old: gzipped, file by file; 3 days old: as it was.
    expect(readdirSync(path.join(archive(), '20261110_000000'), { recursive: true }).map(String).sort()).toEqual([
      'api.log.gz',
      'subprocess',
      path.join('subprocess', 'run.stdout.log.gz'),
    ]);
    expect(gunzipSync(readFileSync(path.join(archive(), '20261110_000000', 'api.log.gz'))).toString()).toBe(`${line}\n`);
    expect(existsSync(path.join(archive(), '20261120_000000', 'api.log'))).toBe(true);
    // scripts/validate-logs reads the compressed files too.
    expect(validateLogTree(dir)).toMatchObject({ files: 4, lines: 4, problems: [] });
    // Nothing left behind: no lock, no temporary file.
    expect(readdirSync(path.join(dir, 'api'))).toEqual(['archive']);
  });

  it('archives the files of latest/ nobody wrote to today, and leaves the others', () => {
    mkdirSync(path.join(latest(), 'subprocess'), { recursive: true });
    writeFileSync(path.join(latest(), 'api.log'), 'today\n');
    writeFileSync(path.join(latest(), 'subprocess', 'run-1.stdout.log'), 'yesterday\n');
    const yesterday = new Date('2026-11-22T18:00:00Z');
    utimesSync(path.join(latest(), 'subprocess', 'run-1.stdout.log'), yesterday, yesterday);
    const now = new Date('2026-11-23T00:01:00Z');
    utimesSync(path.join(latest(), 'api.log'), now, now);

    const moved = archiveIdleFiles(path.join(dir, 'api'), now);
    expect(moved).toEqual([path.join(archive(), '20261123_000100', 'subprocess', 'run-1.stdout.log')]);
    expect(readFileSync(moved[0]!, 'utf8')).toBe('yesterday\n');
    expect(readFileSync(path.join(latest(), 'api.log'), 'utf8')).toBe('today\n');
  });

  it('gives the rotation lock to one process at a time, and takes over one left by a dead process', () => {
    mkdirSync(path.join(dir, 'api'), { recursive: true });
    const lock = path.join(dir, 'api', '.rotate.lock');
    const release = tryLock(lock, 30_000)!;
    expect(release).toBeDefined();
    expect(tryLock(lock, 30_000)).toBeUndefined();
    expect(withRotationLock(path.join(dir, 'api'), () => undefined)).toBe(false);
    release();
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, '999999'); // a pid that does not run
    let ran = false;
    expect(withRotationLock(path.join(dir, 'api'), () => void (ran = true))).toBe(true);
    expect(ran).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('compresses nothing twice and survives files vanishing under it', async () => {
    mkdirSync(path.join(archive(), '20261101_000000'), { recursive: true });
    writeFileSync(path.join(archive(), '20261101_000000', 'api.log'), `${line}\n`);
    writeFileSync(path.join(archive(), '20261101_000000', 'api.log.gz.tmp-999999'), 'abandoned');
    const now = new Date('2026-11-23T00:00:00Z');
    const [first, second] = await Promise.all([compressArchives(path.join(dir, 'api'), now), compressArchives(path.join(dir, 'api'), now)]);
    expect([...first, ...second].length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(path.join(archive(), '20261101_000000'))).toEqual(['api.log.gz']);
  });
});
