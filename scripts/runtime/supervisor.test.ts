import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, logFilePath } from '../../lib/logger/logger';
import { BACKOFF_MS, restartDelay, SupervisedChild } from './supervisor';

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
    // The children are real processes; the supervisor's backoff runs on fake time, so no delay is waited out.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
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
      await expect.poll(() => notes.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      expect(notes[0]).toBe('flaky exited unexpectedly (code 3); restarting in 1 s');
      await vi.advanceTimersByTimeAsync(BACKOFF_MS.first);
      expect(child.restarts).toBe(1); // counted as soon as it is spawned
      // The restarted child has printed its line too.
      await expect.poll(() => lines.filter((l) => l === 'up').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      // It crashes again: asked to stop while its next restart is pending.
      await expect.poll(() => notes.length, { timeout: 10_000 }).toBe(2);
      await child.stop();
      const restarts = child.restarts;
      // Longer than any backoff: a restart still pending after stop() would have happened now.
      await vi.advanceTimersByTimeAsync(BACKOFF_MS.max);
      expect(child.restarts).toBe(restarts);
      expect(events()).toEqual(expect.arrayContaining(['process.start', 'process.crashed']));
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends SIGTERM on stop and SIGKILL when the child ignores it', async () => {
    const lines: string[] = [];
    const child = new SupervisedChild({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
      logger,
      stopTimeoutMs: 500,
      onLine: (l) => lines.push(l),
    });
    child.start();
    const pid = child.pid!;
    // It ignores SIGTERM from the moment it says so.
    await expect.poll(() => lines, { timeout: 10_000 }).toContain('ready');
    await child.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(events()).toContain('process.kill');
  });
});
