import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveStamp, registerWriter, rotateServiceLogs } from './rotate';

describe('log rotation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rotate-'));
  });
  afterEach(() => {});

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
});
