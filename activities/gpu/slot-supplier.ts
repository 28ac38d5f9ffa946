import type { CustomSlotSupplier, ActivitySlotInfo } from '@temporalio/worker';
import type { GpuLeases } from './leases';

/**
 * The shared GPU queue's poller only polls when this worker has a free GPU slot. So a busy worker takes no new
 * job, jobs wait in Temporal's task queue (where the server orders them, fairly between users), and whichever
 * worker frees up first takes the next one.
 */
export function gpuSlotSupplier(leases: GpuLeases): CustomSlotSupplier<ActivitySlotInfo> {
  return {
    type: 'custom',
    async reserveSlot(_ctx, abortSignal) {
      await leases.reserve(abortSignal);
      return {};
    },
    tryReserveSlot() {
      return leases.tryReserve() ? {} : null;
    },
    markSlotUsed() {},
    releaseSlot() {
      leases.unreserve();
    },
  };
}
