import type sharpModule from 'sharp';

export type SharpFactory = typeof sharpModule;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp, loaded at the first photo rather than when a process starts: libvips and its libraries take about
 * 28 MB, which a control plane that only answers the API and runs workflows never needs.
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
