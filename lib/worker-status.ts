import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineStatus } from '../plugins/engine';

/**
 * A GPU worker's public status, written to shared storage for the control plane (GPU workers have no database
 * access). Liveness comes from Temporal's pollers; this file says what the worker has: its engines.
 */
export interface GpuWorkerStatus {
  workerId: string;
  queue: string;
  identity: string;
  hostname: string;
  pid: number;
  mode: string;
  engines: EngineStatus[];
  startedAt: string;
  updatedAt: string;
}

export function statusFilePath(workersDir: string, workerId: string): string {
  return path.join(workersDir, `${workerId}.json`);
}

/** Writes atomically (temp file + rename), so a reader never sees half a file. */
export function writeStatusFile(workersDir: string, status: GpuWorkerStatus): void {
  mkdirSync(workersDir, { recursive: true });
  const file = statusFilePath(workersDir, status.workerId);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status, null, 2));
  renameSync(tmp, file);
}

export function removeStatusFile(workersDir: string, workerId: string): void {
  rmSync(statusFilePath(workersDir, workerId), { force: true });
}

/** Every readable status file; unreadable or foreign files are skipped. */
export function readStatusFiles(workersDir: string): GpuWorkerStatus[] {
  let names: string[];
  try {
    names = readdirSync(workersDir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: GpuWorkerStatus[] = [];
  for (const name of names) {
    try {
      const parsed = JSON.parse(readFileSync(path.join(workersDir, name), 'utf8')) as GpuWorkerStatus;
      if (typeof parsed.workerId === 'string' && Array.isArray(parsed.engines)) out.push(parsed);
    } catch {
      // being replaced, or not ours
    }
  }
  return out;
}

export function baseStatus(fields: Pick<GpuWorkerStatus, 'workerId' | 'queue' | 'identity' | 'mode'>) {
  return { ...fields, hostname: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() };
}
