import type sharpModule from 'sharp';

export type SharpFactory = typeof sharpModule;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp, loaded at the first photo rather than when a process starts: libvips and its libraries take about
 * 28 MB, which a control plane that only answers the API and runs workflows never needs.
 *
 * Set up for a server that takes large photos now and then and must stay small in between:
 * - no libvips operation cache: each photo is read once or twice and never again, and the cache would hold up to
 *   50 MB of its pixels and keep 20 files open (an upload removed from disk keeps its space while it is open);
 * - one libvips thread per image (sharp's own default with glibc's allocator, made explicit for every platform):
 *   photos are already prepared several at a time, and each thread's allocator arena keeps what it once held.
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loading;
}
