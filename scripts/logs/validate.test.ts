import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { validateLogTree } from './validate';

const good = JSON.stringify({
  timestamp: '2026-11-23T20:19:05.123Z',
  level: 'INFO',
  service: 'api',
  correlation_id: 'abc',
  message: 'ok',
  event: 'request.start',
  context: {},
});

describe('validateLogTree', () => {
  it('checks every line of every .log file and points at the bad ones', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    mkdirSync(path.join(root, 'api', 'latest'), { recursive: true });
    mkdirSync(path.join(root, 'worker', 'archive', '20261101_000000'), { recursive: true });
    writeFileSync(path.join(root, 'api', 'latest', 'api.log'), `${good}\n${good}\n`);
    writeFileSync(
      path.join(root, 'worker', 'archive', '20261101_000000', 'worker.log'),
      `${good}\nplain text\n${good.replace('"INFO"', '"TRACE"')}\n${good.replace('request.start', 'Request Start')}\n`,
    );
    writeFileSync(path.join(root, 'api', 'latest', 'notes.txt'), 'ignored: not a .log file');

    const report = validateLogTree(root);
    expect(report.files).toBe(2);
    expect(report.lines).toBe(6);
    expect(report.problems.map((p) => [p.file, p.line])).toEqual([
      ['worker/archive/20261101_000000/worker.log', 2],
      ['worker/archive/20261101_000000/worker.log', 3],
      ['worker/archive/20261101_000000/worker.log', 4],
    ]);
    expect(report.problems[0]!.problem).toBe('not a JSON object');
    expect(report.problems[1]!.problem).toMatch(/^level:/);
    expect(report.problems[2]!.problem).toMatch(/^event: must be a dotted lower-case name/);
  });

  it('reads the gzip-compressed files of older archives, and says which one cannot be read', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    const folder = path.join(root, 'worker', 'archive', '20261101_000000', 'subprocess');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'run.stdout.log.gz'), gzipSync(`${good}\nnot json\n`));
    writeFileSync(path.join(folder, 'run.stderr.log.gz'), 'not gzip at all');
    const report = validateLogTree(root);
    expect(report).toMatchObject({ files: 2, lines: 2 });
    expect(report.problems.map((p) => [p.file, p.line, p.problem.split(':')[0]])).toEqual([
      ['worker/archive/20261101_000000/subprocess/run.stderr.log.gz', 0, 'unreadable'],
      ['worker/archive/20261101_000000/subprocess/run.stdout.log.gz', 2, 'not a JSON object'],
    ]);
  });

  it('refuses a folder that does not exist', () => {
    expect(() => validateLogTree('/no/such/folder')).toThrow('/no/such/folder is not a folder');
  });
});
