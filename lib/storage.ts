import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './project-root';

/** Persistent volumes a RunPod-style pod mounts, in order of preference. */
export const POD_VOLUMES = ['/runpod-volume', '/workspace'] as const;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The data root: DATA_DIR if set; else a pod's persistent volume when present; else ./data in the project.
 * `isDir` is injectable so the resolution order can be tested without a pod.
 */
export function resolveDataRoot(
  dataDir: string | undefined,
  isDir: (p: string) => boolean = isDirectory,
): string {
  if (dataDir) return path.resolve(PROJECT_ROOT, dataDir);
  const volume = POD_VOLUMES.find(isDir);
  return volume ?? path.join(PROJECT_ROOT, 'data');
}

export interface StoragePaths {
  root: string;
  uploads: string;
  datasets: string;
  training: string;
  loras: string;
  baseModels: string;
  outputs: string;
  pg: string;
  temporal: string;
  /** Files the pipeline self-test's GPU half writes, which the control plane reads back (shared storage check). */
  selfTests: string;
}

export function storagePaths(root: string): StoragePaths {
  return {
    root,
    uploads: path.join(root, 'uploads'),
    datasets: path.join(root, 'datasets'),
    training: path.join(root, 'training'),
    loras: path.join(root, 'models', 'loras'),
    baseModels: path.join(root, 'models', 'base'),
    outputs: path.join(root, 'outputs'),
    pg: path.join(root, 'pg'),
    temporal: path.join(root, 'temporal'),
    selfTests: path.join(root, 'self-tests'),
  };
}

/** Creates every storage folder that does not exist yet. */
export function ensureStorage(paths: StoragePaths): void {
  for (const dir of Object.values(paths)) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  }
}

/**
 * Joins trusted path segments under a base folder and refuses any result outside it.
 * Paths are never built from user input; this is the last line of defence if one ever is.
 */
export function within(base: string, ...segments: string[]): string {
  const resolved = path.resolve(base, ...segments);
  const rel = path.relative(base, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`Path escapes its folder: ${segments.join('/')}`);
  }
  return resolved;
}
