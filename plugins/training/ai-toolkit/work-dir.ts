import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readSafetensorsHeader, trainingStep } from '../../../lib/safetensors';

/**
 * A run trains in one folder, `training/<run>/`, for all its engine starts: ai-toolkit resumes by itself from the
 * newest checkpoint there (spec §5). Each start first claims the folder (`owner.json`); the watchdog of any older
 * engine still running sees the claim change and stops it, so only the current start ever writes there.
 *
 *   training/<run>/owner.json            which start owns the folder
 *   training/<run>/starts/<start>.*      per start: job config, protocol database, engine record
 *   training/<run>/<name>/               ai-toolkit's save folder: checkpoints, optimizer.pt, samples/
 *   training/<run>/kept/                 checkpoints saved on request (save now, stop), kept for the life of the run
 *   training/<run>/optimizer/            optimizer.pt as a save left it, per save step (what another host resumes with)
 */

export interface StartFiles {
  startId: string;
  ownerFile: string;
  configFile: string;
  jobDbFile: string;
  recordFile: string;
}

export interface EngineRecord {
  pid: number;
  host: string;
  startedAt: string;
}

/** How long an older engine's watchdog needs to notice a new claim and stop (it polls every second). */
export const CLAIM_SETTLE_MS = 2_500;

export function saveRoot(runDir: string, name: string): string {
  return path.join(runDir, name);
}

/** Makes this start the owner of the run folder (atomically: the watchdogs never read half a file). */
export async function claimRunDir(runDir: string): Promise<StartFiles> {
  const startId = randomUUID().slice(0, 8);
  const starts = path.join(runDir, 'starts');
  await mkdir(starts, { recursive: true });
  const ownerFile = path.join(runDir, 'owner.json');
  const tmp = `${ownerFile}.${startId}.tmp`;
  await writeFile(tmp, JSON.stringify({ startId, host: os.hostname(), pid: process.pid, at: new Date().toISOString() }));
  await rename(tmp, ownerFile);
  return {
    startId,
    ownerFile,
    configFile: path.join(starts, `${startId}.json`),
    jobDbFile: path.join(starts, `${startId}.db`),
    recordFile: path.join(starts, `${startId}.engine.json`),
  };
}

export async function recordEngine(recordFile: string, pid: number): Promise<void> {
  const record: EngineRecord = { pid, host: os.hostname(), startedAt: new Date().toISOString() };
  await writeFile(recordFile, JSON.stringify(record));
}

/** The process group leader is our watchdog; a pid reused since by something else is left alone. */
function isOurEngine(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watchdog.py');
  } catch {
    return false;
  }
}

/**
 * Kills engines that earlier starts on this host left running, without waiting for their watchdogs. Engines on
 * other hosts are stopped by their own watchdogs when they see the new claim: `elsewhere` counts the earlier
 * starts on other hosts, whose watchdogs the caller gives time to notice.
 */
export async function stopOrphans(runDir: string, except: string): Promise<{ stopped: number; elsewhere: number }> {
  const starts = path.join(runDir, 'starts');
  let stopped = 0;
  let elsewhere = 0;
  for (const file of await readdir(starts).catch(() => [] as string[])) {
    if (!file.endsWith('.engine.json') || file.startsWith(`${except}.`)) continue;
    let record: EngineRecord;
    try {
      record = JSON.parse(await readFile(path.join(starts, file), 'utf8')) as EngineRecord;
    } catch {
      continue;
    }
    if (record.host !== os.hostname()) {
      elsewhere++;
      continue;
    }
    if (!isOurEngine(record.pid)) continue;
    try {
      process.kill(-record.pid, 'SIGKILL');
      stopped++;
    } catch {
      // already gone
    }
  }
  return { stopped, elsewhere };
}

export interface Checkpoint {
  path: string;
  step: number;
  final: boolean;
  /** Saved on request and kept for the life of the run, whatever the engine prunes. */
  kept: boolean;
}

/**
 * Where checkpoints saved on request are kept: outside the save folder, so neither the engine's pruning
 * (`max_step_saves_to_keep` removes all but the newest saves there, spec §4) nor its resume (the newest file there,
 * spec §5) ever touches them.
 */
export function keptRoot(runDir: string): string {
  return path.join(runDir, 'kept');
}

/** Keeps a checkpoint the engine has just written: a second name for the same file (a copy where links fail). */
export async function keepCheckpoint(runDir: string, file: string): Promise<string> {
  const target = path.join(keptRoot(runDir), path.basename(file));
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await link(file, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return target;
    const partial = `${target}.partial`;
    await copyFile(file, partial);
    await rename(partial, target).finally(() => rm(partial, { force: true }));
  }
  return target;
}

/** Where the optimizer state of the save at `step` is set aside (the engine rewrites `optimizer.pt` at every save). */
export function optimizerStateFile(runDir: string, step: number): string {
  return path.join(runDir, 'optimizer', `optimizer_${String(step).padStart(9, '0')}.pt`);
}

/**
 * Copies `optimizer.pt` aside as the state of the save at `step`: called once that save is surely complete (the engine
 * has stepped past it), so the copy is never half written. Null when the engine wrote none.
 */
export async function setAsideOptimizerState(runDir: string, name: string, step: number): Promise<string | null> {
  const target = optimizerStateFile(runDir, step);
  const partial = `${target}.partial`;
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await copyFile(path.join(saveRoot(runDir, name), 'optimizer.pt'), partial);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  await rename(partial, target);
  return target;
}

/** Every complete checkpoint of a run, the kept ones included, lowest step first (each step once). */
export async function runCheckpoints(runDir: string, name: string): Promise<Checkpoint[]> {
  const saved = await listCheckpoints(saveRoot(runDir, name), name);
  const kept = await listCheckpoints(keptRoot(runDir), name);
  const key = (c: Checkpoint) => `${c.step}:${c.final}`;
  const keptKeys = new Set(kept.map(key));
  const savedKeys = new Set(saved.map(key));
  return [
    ...saved.map((c) => ({ ...c, kept: keptKeys.has(key(c)) })),
    ...kept.filter((c) => !savedKeys.has(key(c))).map((c) => ({ ...c, kept: true })),
  ].sort((a, b) => a.step - b.step || Number(a.final) - Number(b.final));
}

export function checkpointPattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:_(\\d{9}))?\\.safetensors$`);
}

/** The complete checkpoints in a save folder, lowest step first (the final file after a step file of its step). */
export async function listCheckpoints(root: string, name: string): Promise<Checkpoint[]> {
  const pattern = checkpointPattern(name);
  const found: Checkpoint[] = [];
  for (const file of await readdir(root).catch(() => [] as string[])) {
    const m = pattern.exec(file);
    if (!m) continue;
    const full = path.join(root, file);
    try {
      const step = trainingStep(await readSafetensorsHeader(full)) ?? (m[1] ? Number(m[1]) : undefined);
      if (step !== undefined) found.push({ path: full, step, final: !m[1], kept: false });
    } catch {
      // incomplete: see quarantineIncomplete
    }
  }
  return found.sort((a, b) => a.step - b.step || Number(a.final) - Number(b.final));
}

/**
 * Moves checkpoints cut short by a crash out of the way (to `.incomplete/`): ai-toolkit resumes from the newest
 * file whatever its state, and a half-written one would make every restart fail.
 */
export async function quarantineIncomplete(root: string, name: string): Promise<string[]> {
  const pattern = checkpointPattern(name);
  const moved: string[] = [];
  for (const file of await readdir(root).catch(() => [] as string[])) {
    if (!pattern.test(file)) continue;
    const full = path.join(root, file);
    try {
      await readSafetensorsHeader(full);
    } catch {
      const target = path.join(root, '.incomplete', `${Date.now()}-${file}`);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(full, target);
      moved.push(file);
    }
  }
  return moved;
}

export interface SampleFile {
  path: string;
  step: number;
  promptIndex: number;
}

const SAMPLE = /^\d+__(\d{9})_(\d+)\.(jpg|jpeg|png|webp)$/i;

/** Sample images in `samples/` (not the `.tmp/` staging or `.thumbs/` folders), per spec §4. */
export async function listSamples(root: string): Promise<SampleFile[]> {
  const names = await readdir(path.join(root, 'samples')).catch(() => [] as string[]);
  return names
    .map((file) => ({ file, m: SAMPLE.exec(file) }))
    .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
    .map(({ file, m }) => ({ path: path.join(root, 'samples', file), step: Number(m[1]), promptIndex: Number(m[2]) }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The highest step for which the save folder holds a sample of every prompt, or null: what earlier starts of the run
 * have already sampled (a set cut short by a crash does not count, so it is made again).
 */
export function sampledThrough(samples: SampleFile[], promptCount: number): number | null {
  if (promptCount === 0) return null;
  const byStep = new Map<number, Set<number>>();
  for (const s of samples) {
    if (s.promptIndex < promptCount) byStep.set(s.step, (byStep.get(s.step) ?? new Set()).add(s.promptIndex));
  }
  const complete = [...byStep].filter(([, indexes]) => indexes.size >= promptCount).map(([step]) => step);
  return complete.length > 0 ? Math.max(...complete) : null;
}
