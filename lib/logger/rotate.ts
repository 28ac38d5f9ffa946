import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../process-alive';

export const RETENTION_DAYS = 30;
const WRITERS_DIR = '.writers';

/** `20261123_201905` in UTC: the name of an archive folder. */
export function archiveStamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-23T20:19:05.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

function stampToTime(name: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})/.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}


function liveWriters(latest: string): number[] {
  const dir = path.join(latest, WRITERS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid));
}

/**
 * At a service's start: moves `<logDir>/<service>/latest/` to `archive/<YYYYMMDD_HHMMSS>/` unless another live
 * process still writes there (a second worker on the same host), then deletes archives past the retention.
 */
export function rotateServiceLogs(logDir: string, service: string, now = new Date()): void {
  const base = path.join(logDir, service);
  const latest = path.join(base, 'latest');
  if (existsSync(latest) && liveWriters(latest).length === 0) {
    const archive = path.join(base, 'archive');
    mkdirSync(archive, { recursive: true });
    let target = path.join(archive, archiveStamp(now));
    for (let n = 2; existsSync(target); n++) target = path.join(archive, `${archiveStamp(now)}_${n}`);
    renameSync(latest, target);
    rmSync(path.join(target, WRITERS_DIR), { recursive: true, force: true });
  }
  pruneArchives(base, now);
}

export function pruneArchives(serviceDir: string, now = new Date(), retentionDays = RETENTION_DAYS): void {
  const archive = path.join(serviceDir, 'archive');
  if (!existsSync(archive)) return;
  const cutoff = now.getTime() - retentionDays * 24 * 3600 * 1000;
  for (const name of readdirSync(archive)) {
    const time = stampToTime(name);
    if (time !== undefined && time < cutoff) rmSync(path.join(archive, name), { recursive: true, force: true });
  }
}

/** Marks this process as a writer of `latest/` so that a sibling starting later does not rotate it away. */
export function registerWriter(latest: string): () => void {
  const dir = path.join(latest, WRITERS_DIR);
  mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, String(process.pid));
  writeFileSync(marker, '');
  return () => {
    try {
      unlinkSync(marker);
    } catch {
      // already gone: the folder was archived or removed
    }
  };
}
