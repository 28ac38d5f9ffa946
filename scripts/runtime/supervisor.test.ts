import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/stack';
import { createLogger, logFilePath } from '../../lib/logger/logger';
import { restartDelay, SupervisedChild } from './supervisor';

describe('restartDelay', () => {
  it('backs off 1 s, 2 s, 4 s … up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('SupervisedChild', () => {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'supervisor-'));
  const logger = createLogger({ service: 'worker', level: 'DEBUG', dir: logDir });
  const events = () =>
    readFileSync(logFilePath(logDir, 'worker'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event as string);

  it('restarts a child that crashes, and stops it for good on request', async () => {
    const notes: string[] = [];
    const lines: string[] = [];
    const child = new SupervisedChild({
      name: 'flaky',
      command: process.execPath,
      args: ['-e', 'console.log("up"); setTimeout(() => process.exit(3), 50)'],
      logger,
      stopTimeoutMs: 2_000,
      notify: (m) => notes.push(m),
      onLine: (l) => lines.push(l),
    });
    child.start();
    // The restarted child has printed its line too (the restart counts as soon as it is spawned).
    await eventually(async () => (child.restarts >= 1 && lines.filter((l) => l === 'up').length >= 2 ? true : undefined), 10_000);
    expect(notes[0]).toBe('flaky exited unexpectedly (code 3); restarting in 1 s');
    expect(lines.filter((l) => l === 'up').length).toBeGreaterThanOrEqual(2);
    await child.stop();
    const restarts = child.restarts;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(child.restarts).toBe(restarts);
    expect(events()).toEqual(expect.arrayContaining(['process.start', 'process.crashed']));
  });

  it('sends SIGTERM on stop and SIGKILL when the child ignores it', async () => {
    const child = new SupervisedChild({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
      logger,
      stopTimeoutMs: 500,
      onLine: () => {},
    });
    child.start();
    const pid = child.pid!;
    await new Promise((r) => setTimeout(r, 300));
    await child.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(events()).toContain('process.kill');
  });
});
