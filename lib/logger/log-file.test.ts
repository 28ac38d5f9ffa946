import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../project-root';
import { validateLogTree } from '../../scripts/logs/validate';
import { defaultMaxFileBytes, DEFAULT_MAX_FILE_BYTES, logFilesTick, openLogFile, RotatingLogFile } from './log-file';
import { createLogger, logFilePath } from './logger';
import { archiveStamp } from './rotate';

/** Every file under `dir` (relative path → content). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.log')) out.set(path.relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const line = (i: number, pad = 80) => `${JSON.stringify({ timestamp: '2026-12-07T10:00:00.000Z', n: i, pad: 'x'.repeat(pad) })}\n`;

describe('RotatingLogFile', () => {
  let dir: string;
  let serviceDir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'log-file-'));
    serviceDir = path.join(dir, 'api');
    file = path.join(serviceDir, 'latest', 'api.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves the file to the archive before a line would take it past the cap, never splitting a line', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    const log = new RotatingLogFile(serviceDir, file, 1_000, () => now);
    const written = Array.from({ length: 40 }, (_, i) => line(i));
    for (const text of written) log.write(text);

    const files = tree(serviceDir);
    expect(statSync(file).size).toBeLessThanOrEqual(1_000);
    for (const [name, content] of files) {
      expect(Buffer.byteLength(content), name).toBeLessThanOrEqual(1_000);
      expect(content.endsWith('\n'), name).toBe(true);
    }
    // Archived as archive/<stamp>[_N]/api.log; nothing lost, nothing twice, in order.
    expect([...files.keys()].filter((f) => f !== 'latest/api.log').every((f) => /^archive\/20261207_100000(_\d+)?\/api\.log$/.test(f))).toBe(true);
    const order = (name: string) => (name.startsWith('latest') ? Infinity : Number(/^archive\/\d{8}_\d{6}(?:_(\d+))?\//.exec(name)?.[1] ?? 1));
    const all = [...files.entries()].sort(([a], [b]) => order(a) - order(b)).map(([, content]) => content).join('');
    expect(all).toBe(written.join(''));
  });

  it('starts a new file at the first line of a new UTC day', () => {
    let now = new Date('2026-12-07T23:59:58Z');
    const log = new RotatingLogFile(serviceDir, file, DEFAULT_MAX_FILE_BYTES, () => now);
    log.write(line(1));
    log.write(line(2));
    now = new Date('2026-12-08T00:00:01Z');
    log.write(line(3));
    expect(readFileSync(file, 'utf8')).toBe(line(3));
    expect(readFileSync(path.join(serviceDir, 'archive', '20261208_000001', 'api.log'), 'utf8')).toBe(line(1) + line(2));
  });

  it('takes the day of a file it finds from its first line', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"level":"INFO","timestamp":"2026-12-06T08:00:00.000Z","message":"yesterday"}\n');
    const log = new RotatingLogFile(serviceDir, file, DEFAULT_MAX_FILE_BYTES, () => new Date('2026-12-07T09:00:00Z'));
    log.write(line(1));
    expect(readFileSync(file, 'utf8')).toBe(line(1));
    expect(readFileSync(path.join(serviceDir, 'archive', '20261207_090000', 'api.log'), 'utf8')).toContain('yesterday');
  });

  it('follows a rotation made by another writer: the next line goes to the new file', () => {
    const now = () => new Date('2026-12-07T10:00:00Z');
    const mine = new RotatingLogFile(serviceDir, file, DEFAULT_MAX_FILE_BYTES, now);
    mine.write(line(1));
    // Another process archived the file (as its own RotatingLogFile would).
    mkdirSync(path.join(serviceDir, 'archive', 'x'), { recursive: true });
    renameSync(file, path.join(serviceDir, 'archive', 'x', 'api.log'));
    mine.write(line(2));
    expect(readFileSync(file, 'utf8')).toBe(line(2));
    expect(readFileSync(path.join(serviceDir, 'archive', 'x', 'api.log'), 'utf8')).toBe(line(1));
  });

  it('does not slow logging down while another process holds the rotation lock (stopped mid-rename)', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      mkdirSync(path.join(serviceDir, 'latest'), { recursive: true });
      writeFileSync(path.join(serviceDir, '.rotate.lock'), String(holder.pid));
      const log = new RotatingLogFile(serviceDir, file, 200, () => new Date('2026-12-07T10:00:00Z'));
      const started = Date.now();
      for (let i = 0; i < 50; i++) log.write(line(i));
      // One wait for the lock (100 ms), then none for a second: not 50 of them.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(50);
    } finally {
      holder.kill();
    }
  });

  it('never lets a failed write escape (a log line must not crash the process)', () => {
    mkdirSync(path.join(serviceDir, 'latest'), { recursive: true });
    mkdirSync(file); // a folder where the file should be: every open fails
    const log = new RotatingLogFile(serviceDir, file, 1_000);
    expect(() => log.write(line(1))).not.toThrow();
  });

  it('is shared by several processes appending to one file: each line once, each file within the cap', async () => {
    const writers = 4;
    const perWriter = 150;
    const cap = 4_000;
    const script = path.join(dir, 'writer.ts');
    writeFileSync(
      script,
      [
        `import { RotatingLogFile } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lib', 'logger', 'log-file.ts'))};`,
        `const log = new RotatingLogFile(${JSON.stringify(serviceDir)}, ${JSON.stringify(file)}, ${cap});`,
        `for (let i = 0; i < ${perWriter}; i++) log.write(JSON.stringify({ timestamp: new Date().toISOString(), w: process.argv[2], i, pad: 'y'.repeat(60) }) + '\\n');`,
      ].join('\n'),
    );
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', script, String(w)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${w} exited ${code}: ${stderr}`))));
        }),
      ),
    );

    const files = tree(serviceDir);
    const lines = [...files.values()].flatMap((content) => content.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { w: string; i: number }));
    expect(lines).toHaveLength(writers * perWriter);
    expect(new Set(lines.map((l) => `${l.w}:${l.i}`)).size).toBe(writers * perWriter);
    expect(files.size).toBeGreaterThan(5);
    // A writer that finds the lock taken (another is renaming this very moment) adds its line to the old file: a few
    // lines over the cap at most.
    for (const [name, content] of files) expect(Buffer.byteLength(content), name).toBeLessThan(cap + writers * 200);
  }, 60_000);
});

describe('createLogger with a size cap', () => {
  it('rotates while running and every file still follows the schema', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'log-cap-'));
    try {
      const logger = createLogger({ service: 'worker', level: 'DEBUG', dir, maxFileBytes: 2_000 });
      const sub = createLogger({ service: 'worker', file: 'subprocess/run-1.stdout', level: 'DEBUG', dir, maxFileBytes: 2_000 });
      for (let i = 0; i < 50; i++) {
        logger.info('job.progress', `step ${i}`, { step: i });
        sub.info('engine.stdout', `line ${i}`);
      }
      expect(statSync(logFilePath(dir, 'worker')).size).toBeLessThanOrEqual(2_000);
      const archived = readdirSync(path.join(dir, 'worker', 'archive'));
      expect(archived.length).toBeGreaterThan(0);
      expect(readdirSync(path.join(dir, 'worker', 'archive'), { recursive: true }).map(String)).toContain(path.join(archived[0]!, 'subprocess', 'run-1.stdout.log'));
      const report = validateLogTree(dir);
      expect(report.problems).toEqual([]);
      expect(report.lines).toBe(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes its default cap from LOG_MAX_FILE_MB, else 50 MB', () => {
    expect(defaultMaxFileBytes({ LOG_MAX_FILE_MB: '5' })).toBe(5 * 1024 * 1024);
    expect(defaultMaxFileBytes({})).toBe(50 * 1024 * 1024);
    expect(defaultMaxFileBytes({ LOG_MAX_FILE_MB: 'lots' })).toBe(50 * 1024 * 1024);
  });
});

describe('the daily maintenance of a running process', () => {
  it('applies the retention on the first tick of a new day to every service the process writes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'log-tick-'));
    try {
      const serviceDir = path.join(dir, 'temporal');
      const old = path.join(serviceDir, 'archive', '20200101_000000');
      mkdirSync(old, { recursive: true });
      writeFileSync(path.join(old, 'temporal.log'), 'x\n');
      const log = openLogFile({ serviceDir, file: path.join(serviceDir, 'latest', 'temporal.log'), maxBytes: 1_000 });
      log.write('{"timestamp":"2026-12-07T10:00:00.000Z"}\n');
      expect(log.isOpen).toBe(true);

      // Two days later: a new day (maintenance), and the file idle long enough to be closed.
      const later = new Date(Date.now() + 2 * 24 * 3600 * 1000);
      logFilesTick(later);
      expect(log.isOpen).toBe(false);
      // Archives past 30 days deleted; the file nobody wrote to since an earlier day archived.
      await vi.waitFor(() => expect(existsSync(old)).toBe(false));
      await vi.waitFor(() => expect(existsSync(path.join(serviceDir, 'latest', 'temporal.log'))).toBe(false));
      expect(readdirSync(path.join(serviceDir, 'archive'))).toEqual([archiveStamp(later)]);
      // Closed, not gone for good: the next line opens a new file.
      log.write('{"timestamp":"2026-12-07T10:00:01.000Z"}\n');
      expect(readFileSync(path.join(serviceDir, 'latest', 'temporal.log'), 'utf8')).toBe('{"timestamp":"2026-12-07T10:00:01.000Z"}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
