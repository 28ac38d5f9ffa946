import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { GpuLeases } from './leases';

describe('GpuLeases', () => {
  it('gives each slot to one job at a time, and the same job may ask again', () => {
    const leases = new GpuLeases(1, 60_000);
    expect(leases.tryAcquire('training-1')).toBe(true);
    expect(leases.tryAcquire('training-1')).toBe(true);
    expect(leases.tryAcquire('generation-2')).toBe(false);
    expect(leases.release('training-1')).toBe(true);
    expect(leases.tryAcquire('generation-2')).toBe(true);
  });

  it('says whether a release freed anything', () => {
    const leases = new GpuLeases(1, 60_000);
    leases.tryAcquire('generation-1');
    expect(leases.release('generation-1')).toBe(true);
    expect(leases.release('generation-1')).toBe(false);
    expect(leases.release('never-held')).toBe(false);
  });

  it('has as many slots as its capacity', () => {
    const leases = new GpuLeases(2, 60_000);
    expect([leases.tryAcquire('a'), leases.tryAcquire('b'), leases.tryAcquire('c')]).toEqual([true, true, false]);
  });

  it('frees a slot whose job went quiet, and touching keeps it', () => {
    let now = 0;
    const leases = new GpuLeases(1, 1_000, () => now);
    leases.tryAcquire('a');
    now = 900;
    leases.touch('a');
    now = 1_800;
    expect(leases.tryAcquire('b')).toBe(false);
    now = 2_000;
    expect(leases.tryAcquire('b')).toBe(true);
    expect(leases.jobs()).toEqual(['b']);
  });

  it('lists the slots nothing renewed for a while, with the workflow that holds each', () => {
    let now = 0;
    const leases = new GpuLeases(3, 60_000, () => now);
    leases.tryAcquire('generation-1', 'generation-1');
    leases.tryAcquire('training-2', 'training-2');
    // Re-created by a pinned activity after a restart: the workflow is not known, so it is never listed.
    leases.touch('self-test-3');
    now = 4_000;
    leases.touch('training-2');
    now = 5_000;
    expect(leases.idle(2_000)).toEqual([{ jobId: 'generation-1', workflowId: 'generation-1' }]);
    // A renewal keeps the workflow it was taken for.
    leases.touch('generation-1');
    now = 8_000;
    expect(leases.idle(2_000).map((l) => l.workflowId)).toEqual(['generation-1', 'training-2']);
  });
});

describe('GpuLeases as the shared queue\'s slot supplier', () => {
  it('promises slots to polls only while they are free, and wakes a waiting poll on release', async () => {
    const leases = new GpuLeases(1, 60_000);
    expect(leases.tryReserve()).toBe(true);
    expect(leases.free()).toBe(0);
    // The poll brought a job: it takes its slot, then the poll's promise ends.
    expect(leases.tryAcquire('training-1')).toBe(true);
    leases.unreserve();
    expect(leases.free()).toBe(0);

    vi.useFakeTimers();
    try {
      let granted = false;
      const waiting = leases.reserve(new AbortController().signal).then(() => (granted = true));
      // Still waiting after its periodic looks (every 5 s) found the slot held.
      await vi.advanceTimersByTimeAsync(12_000);
      expect(granted).toBe(false);
      leases.release('training-1');
      await waiting;
      expect(granted).toBe(true);
      expect(leases.free()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up waiting when the SDK aborts the reservation', async () => {
    const leases = new GpuLeases(1, 60_000);
    leases.tryAcquire('busy');
    const controller = new AbortController();
    const waiting = leases.reserve(controller.signal);
    controller.abort(new Error('poller shut down'));
    await expect(waiting).rejects.toThrow('poller shut down');
  });

  it('keeps no listener or waiter behind while a poll waits for hours', async () => {
    vi.useFakeTimers();
    try {
      const leases = new GpuLeases(1, 24 * 3600_000);
      leases.tryAcquire('training-1');
      const controller = new AbortController();
      const waiting = leases.reserve(controller.signal);
      await vi.advanceTimersByTimeAsync(3600_000);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort(new Error('worker stopping'));
      await expect(waiting).rejects.toThrow('worker stopping');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
