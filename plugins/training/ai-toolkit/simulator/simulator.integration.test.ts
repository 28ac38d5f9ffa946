import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConsoleParser, type EngineEvent } from '../console-parser';
import { classifyFailure } from '../failures';
import { GIB } from '../../../simulated-gpu/figures';
import { writeGpuState, noCharges } from '../../../simulated-gpu/gpu-state';
import { configFileText, KEEP_NAME_TAG_ARGS } from '../engine-text';
import { listSamples } from '../work-dir';
import { closeSharedIdentityScorer, sharedIdentityScorer } from '../../../identity/registry';
import { likenessOf, meanSimilarity, personPhotos, referencesOf } from './face-fixtures';

/**
 * The ai-toolkit simulator (run.py beside this file) against the contract in shared/specs/ai-toolkit.md:
 * console streams, files, resume, stop, faults and errors. Each test spawns `python3 run.py` on temp folders.
 */

const SIM_DIR = path.dirname(fileURLToPath(import.meta.url));
const RUN_PY = path.join(SIM_DIR, 'run.py');
/** How the adapter starts the engine (session.ts): through the launcher that keeps .env files out. */
const LAUNCH_PY = path.join(SIM_DIR, '..', 'launch.py');
const NAME = 'sim_lora';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aitk-sim-test-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Live {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  done: Promise<Result>;
}

function simEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('ISENGARD_SIM_') || ['SEED', 'AITK_JOB_ID', 'COLUMNS', 'LINES', 'PYTHONPATH'].includes(key)) {
      delete env[key];
    }
  }
  return { ...env, ISENGARD_SIM_LOAD_MS: '0', ...extra };
}

function start(args: string[], env: Record<string, string> = {}, launcher: string[] = []): Live {
  const child = spawn('python3', [...launcher, RUN_PY, ...args], { cwd: scratch, env: simEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, ...out }));
  });
  return { child, out, done };
}

function run(args: string[], env: Record<string, string> = {}, launcher: string[] = []): Promise<Result> {
  return start(args, env, launcher).done;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 15 },
  );
}

/**
 * In the endless sleep of a hang@N fault: its marker is written just before that sleep, and after it the process
 * does nothing else, so once the marker is there a sleeping process is in the hang (alive, printing nothing).
 */
function inTheHang(live: Live, saveRoot: string): boolean {
  if (!existsSync(path.join(saveRoot, '.sim_faults.json')) || live.child.exitCode !== null) return false;
  const stat = readFileSync(`/proc/${live.child.pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('S');
}

// ---------------------------------------------------------------- fixtures

function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width * 3 + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A dataset folder: three images (one in a subfolder), a caption, and a hidden file that does not count. */
function makeDataset(dir: string): string {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'a.png'), png(1024, 768));
  writeFileSync(path.join(dir, 'a.txt'), 'a photo of [trigger], smiling');
  writeFileSync(path.join(dir, 'sub', 'b.PNG'), png(600, 900));
  writeFileSync(path.join(dir, 'c.png'), png(64, 64));
  writeFileSync(path.join(dir, '.hidden.png'), png(64, 64));
  return dir;
}

let folderCount = 0;
function freshDir(label: string): string {
  const dir = path.join(scratch, `${label}-${++folderCount}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface ConfigOptions {
  type?: string;
  steps?: number;
  saveEvery?: number;
  keep?: number;
  sampleEvery?: number;
  prompts?: string[];
  datasetDir?: string;
  extraProcess?: Record<string, unknown>;
  network?: Record<string, unknown>;
  model?: Record<string, unknown>;
  /** Written as the adapter writes it (engine-text.ts), not as plain JSON. */
  encoded?: boolean;
}

let sharedDataset: string | undefined;
function dataset(): string {
  sharedDataset ??= makeDataset(path.join(scratch, 'dataset'));
  return sharedDataset;
}

function writeConfig(dir: string, o: ConfigOptions = {}): { config: string; saveRoot: string } {
  const trainingFolder = path.join(dir, 'output');
  const config = {
    job: 'extension',
    config: {
      name: NAME,
      process: [
        {
          type: o.type ?? 'sd_trainer',
          training_folder: trainingFolder,
          trigger_word: 'p3r5on',
          network: o.network ?? { type: 'lora', linear: 16, linear_alpha: 16 },
          save: { dtype: 'float16', save_every: o.saveEvery ?? 1000, max_step_saves_to_keep: o.keep ?? 5 },
          datasets: [{ folder_path: o.datasetDir ?? dataset(), caption_ext: 'txt', resolution: [512, 1024] }],
          train: { batch_size: 1, steps: o.steps ?? 10, lr: 1e-4, optimizer: 'adamw8bit', dtype: 'bf16' },
          model: o.model ?? { name_or_path: 'black-forest-labs/FLUX.1-dev', is_flux: true, quantize: true },
          sample: {
            sample_every: o.sampleEvery ?? 1000,
            width: 1024,
            height: 1024,
            prompts: o.prompts ?? ['[trigger] holding a coffee cup', 'a portrait of [trigger] --w 768'],
            seed: 42,
            walk_seed: true,
          },
          ...o.extraProcess,
        },
      ],
    },
    meta: { name: '[name]', version: '1.0' },
  };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, o.encoded ? configFileText(config) : JSON.stringify(config, null, 2));
  return { config: file, saveRoot: path.join(trainingFolder, NAME) };
}

// ---------------------------------------------------------------- parsers

function safetensorsHeader(file: string): { header: Record<string, unknown>; meta: Record<string, string>; data: Buffer } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  return { header, meta: header.__metadata__ as Record<string, string>, data: buf.subarray(8 + n) };
}

/** What a sample was made from: the JSON the simulator writes into its JPEG comment (COM segment). */
function madeFrom(file: string): Record<string, unknown> {
  const buf = readFileSync(file);
  for (let i = 2; i < buf.length && buf[i] === 0xff; i += 2 + buf.readUInt16BE(i + 2)) {
    if (buf[i + 1] === 0xfe) return JSON.parse(buf.toString('latin1', i + 4, i + 2 + buf.readUInt16BE(i + 2))) as Record<string, unknown>;
  }
  throw new Error(`no comment in ${file}`);
}

/** The run's console through the adapter's own parser (console-parser.ts). */
function parsed(r: { stdout: string; stderr: string }): EngineEvent[] {
  const events: EngineEvent[] = [];
  const parser = new ConsoleParser(NAME, (e) => events.push(e));
  parser.stdout(r.stdout);
  parser.stderr(r.stderr);
  parser.end();
  return events;
}

/** The training bar's records on stderr (tqdm redraws start with \r). */
function barRecords(stderr: string): string[] {
  return stderr
    .split('\r')
    .map((r) => r.replace(/\s+$/, ''))
    .filter((r) => r.startsWith(`${NAME}:`));
}

const BAR_RE = new RegExp(
  `^${NAME}: +(\\d+)%\\|([ █]{10})\\| (\\d+)/(\\d+) \\[(\\d\\d:\\d\\d)<(\\d\\d:\\d\\d|\\?), ` +
    '( *\\d+\\.\\d\\dit/s| *\\d+\\.\\d\\ds/it|\\?it/s)(, lr: 1\\.0e-04 loss: \\d\\.\\d{3}e-0\\d)?\\]$',
);

function barStep(record: string): number {
  const m = BAR_RE.exec(record);
  if (!m) throw new Error(`not a bar record: ${JSON.stringify(record)}`);
  return Number(m[3]);
}

function expectInOrder(text: string, parts: string[]): void {
  let at = 0;
  for (const part of parts) {
    const found = text.indexOf(part, at);
    if (found < 0) throw new Error(`missing (in order) ${JSON.stringify(part)} after offset ${at}`);
    at = found + part.length;
  }
}

function sql(db: string, statement: string, params: unknown[] = []): unknown[][] {
  const out = execFileSync('python3', [
    '-c',
    'import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); ' +
      'rows = c.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall(); c.commit(); print(json.dumps(rows))',
    db,
    statement,
    JSON.stringify(params),
  ]);
  return JSON.parse(out.toString()) as unknown[][];
}

function makeJobDb(dir: string, id: string): string {
  const db = path.join(dir, 'aitk_db.db');
  sql(db, `CREATE TABLE Job(id TEXT PRIMARY KEY, status TEXT, info TEXT, step INTEGER, speed_string TEXT,
    stop INTEGER DEFAULT 0, return_to_queue INTEGER DEFAULT 0, save_now INTEGER DEFAULT 0, sample_now INTEGER DEFAULT 0)`);
  sql(db, "INSERT INTO Job(id, status, info, step) VALUES(?, 'queued', '', 0)", [id]);
  return db;
}

function jobRow(db: string, id: string): { status: string; info: string; step: number; save_now: number } {
  const [row] = sql(db, 'SELECT status, info, step, save_now FROM Job WHERE id = ?', [id]);
  const [status, info, step, saveNow] = row as [string, string, number, number];
  return { status, info, step, save_now: saveNow };
}

const stepOf = (r: Result | Live['out']) => {
  const records = barRecords(r.stderr);
  return records.length ? barStep(records[records.length - 1]!) : -1;
};

// ---------------------------------------------------------------- tests

function samplesAt(saveRoot: string, step: number): string[] {
  const dir = path.join(saveRoot, 'samples');
  return readdirSync(dir)
    .filter((f) => f.includes(`__${String(step).padStart(9, '0')}_`))
    .sort((a, b) => Number(/_(\d+)\.jpg$/.exec(a)![1]) - Number(/_(\d+)\.jpg$/.exec(b)![1]))
    .map((f) => path.join(dir, f));
}

describe('ai-toolkit simulator', () => {
  it('trains to completion with the real console streams and output files, and a rerun only redoes the end', async () => {
    const dir = freshDir('fresh');
    const { config, saveRoot } = writeConfig(dir, { steps: 10, saveEvery: 3, keep: 2, sampleEvery: 4 });
    const r = await run([config], { ISENGARD_SIM_STEP_MS: '10', SEED: '7' });
    expect(r.code, r.stderr).toBe(0);

    const ds = dataset();
    expectInOrder(r.stdout, [
      'Running 1 job\n{\n    "type": "sd_trainer",',
      '\n#############################################\n# Running job: sim_lora\n#############################################\n',
      'Loading Flux model\nLoading transformer\n',
      'create LoRA for Text Encoder: 0 modules.\ncreate LoRA for U-Net: 494 modules.\nenable LoRA for U-Net\n',
      `Dataset: ${ds}\n  -  Preprocessing image dimensions\n`,
      '  -  Found 3 images\n',
      'Generating baseline samples before training\n',
      '\nSaving at step 3\n',
      `Saved checkpoint to ${saveRoot}/${NAME}_000000003.safetensors\nSaved optimizer to ${saveRoot}/optimizer.pt\n`,
      '\nSaving at step 6\n',
      '\nSaving at step 9\n',
      `Removing old save: ${saveRoot}/${NAME}_000000003.safetensors\n`,
      `Saved checkpoint to ${saveRoot}/${NAME}.safetensors\n`,
    ]);
    expect(r.stdout).not.toContain('Saving at step 0');
    expect(r.stdout).not.toContain('Saving at step 10');

    // The console as the adapter reads it: its phases, progress to 10/10 with loss and lr, each checkpoint.
    const events = parsed(r);
    const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
    expect(new Set(phases)).toEqual(new Set(['loading', 'sampling', 'training', 'saving'])); // streams parsed one after the other
    const progress = events.filter((e) => e.type === 'progress') as Array<{ step: number; totalSteps: number; loss: number | null; lr: number | null }>;
    expect(progress.map((p) => p.step)).toEqual([...progress.map((p) => p.step)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ step: 10, totalSteps: 10, lr: 1e-4, loss: expect.any(Number) });
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => [(e as { step: number | null }).step, (e as { final: boolean }).final])).toEqual([
      [3, false], [6, false], [9, false], [null, true],
    ]); // prettier-ignore

    // checkpoints, pruning, final file; config.yaml is the config (JSON is YAML)
    const files = readdirSync(saveRoot).sort();
    expect(files).toEqual(
      expect.arrayContaining(['config.yaml', 'optimizer.pt', 'samples', `${NAME}.safetensors`,
        `${NAME}_000000006.safetensors`, `${NAME}_000000009.safetensors`]),
    );
    expect(files).not.toContain(`${NAME}_000000003.safetensors`);
    expect(JSON.parse(readFileSync(path.join(saveRoot, 'config.yaml'), 'utf8'))).toMatchObject({ job: 'extension', config: { name: NAME } });

    const final = safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`));
    expect(JSON.parse(final.meta.training_info!)).toEqual({ step: 10, epoch: expect.any(Number) });
    expect(final.meta).toMatchObject({
      ss_base_model_version: 'flux.1',
      ss_output_name: NAME,
      format: 'pt',
      name: NAME,
      version: '1.0',
    });
    expect(JSON.parse(final.meta.software!)).toEqual({ name: 'ai-toolkit', repo: 'https://github.com/ostris/ai-toolkit', version: '0.12.26' });
    expect(final.meta.sshs_model_hash).toBe(createHash('sha256').update(final.data).digest('hex'));
    const tensorNames = Object.keys(final.header).filter((k) => k !== '__metadata__');
    expect(tensorNames).toHaveLength(40);
    expect(final.header['transformer.transformer_blocks.0.norm1.linear.lora_A.weight']).toMatchObject({ dtype: 'F16', shape: [4, 3072] });
    expect(JSON.parse(safetensorsHeader(path.join(saveRoot, `${NAME}_000000006.safetensors`)).meta.training_info!).step).toBe(6);

    // samples: baseline, step 4, step 8, final 10, named as work-dir.ts lists them; JPEGs of the configured aspect
    const samples = await listSamples(saveRoot);
    expect(samples.map((x) => [x.step, x.promptIndex])).toEqual(
      expect.arrayContaining([[0, 0], [0, 1], [4, 0], [4, 1], [8, 0], [8, 1], [10, 0], [10, 1]]),
    );
    expect(samples).toHaveLength(8);
    for (const sample of samples) {
      expect(await sharp(sample.path).metadata()).toMatchObject(sample.promptIndex === 0 ? { format: 'jpeg', width: 256, height: 256 } : { format: 'jpeg', width: 192, height: 256 });
    }
    const colours = await Promise.all(samples.map(async (x) => (await sharp(x.path).raw().toBuffer()).subarray(0, 3).toString('hex')));
    expect(new Set(colours).size).toBe(8);
    expect(madeFrom(samples.find((x) => x.step === 4 && x.promptIndex === 1)!.path)).toEqual({ prompt: 'a portrait of p3r5on', seed: 43, step: 4, index: 1 });

    // rerun of the completed job: resumes at the final file, the loop never runs, end files written again
    const again = await run([config], { ISENGARD_SIM_STEP_MS: '10', SEED: '7' });
    expect(again.code, again.stderr).toBe(0);
    expectInOrder(again.stdout, [
      `#### IMPORTANT RESUMING FROM ${saveRoot}/${NAME}.safetensors ####\n`,
      `Loading from ${saveRoot}/${NAME}.safetensors\nMissing keys: []\nFound step 10 in metadata, starting from there\n`,
      `Loading optimizer state from ${saveRoot}/optimizer.pt\nUpdating optimizer LR from params\n`,
      `Saved checkpoint to ${saveRoot}/${NAME}.safetensors\n`,
    ]);
    expect(again.stdout).not.toContain('Generating baseline samples');
    expect(again.stdout).not.toContain('Saving at step');
    expect(barRecords(again.stderr)[0]).toBe(`${NAME}: 100%|██████████| 10/10 [00:00<?, ?it/s]`);
    expect(readdirSync(path.join(saveRoot, 'samples')).filter((f) => /__000000010_\d\.jpg$/.test(f))).toHaveLength(4);
  });

  it('resumes after SIGKILL from the newest checkpoint, without baseline samples or a save at the first index', async () => {
    const dir = freshDir('kill');
    const { config, saveRoot } = writeConfig(dir, { steps: 30, saveEvery: 5 });
    const first = start([config], { ISENGARD_SIM_STEP_MS: '40' });
    await waitFor(() => first.out.stdout.includes(`${NAME}_000000010.safetensors`), 'the step-10 checkpoint');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(saveRoot, `${NAME}.safetensors`))).toBe(false);

    const second = await run([config], { ISENGARD_SIM_STEP_MS: '10' });
    expect(second.code, second.stderr).toBe(0);
    const m = /Found step (\d+) in metadata, starting from there/.exec(second.stdout);
    expect(m).not.toBeNull();
    const resumed = Number(m![1]);
    expect(resumed).toBeGreaterThanOrEqual(10);
    expect(resumed % 5).toBe(0);
    expect(second.stdout).toContain(`#### IMPORTANT RESUMING FROM ${saveRoot}/${NAME}_${String(resumed).padStart(9, '0')}.safetensors ####`);
    expect(second.stdout).not.toContain('Generating baseline samples');
    expect(second.stdout).not.toContain(`Saving at step ${resumed}\n`);
    expect(second.stdout).toContain(`Saving at step ${resumed + 5}\n`);
    const records = barRecords(second.stderr);
    expect(records[0]).toMatch(new RegExp(`^${NAME}: +\\d+%\\|.{10}\\| ${resumed}/30 \\[00:00<\\?, \\?it/s\\]$`));
    expect(Math.min(...records.map(barStep))).toBe(resumed);
    expect(JSON.parse(safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`)).meta.training_info!).step).toBe(30);
    const baseline = readdirSync(path.join(saveRoot, 'samples')).filter((f) => f.includes('__000000000_'));
    expect(baseline).toHaveLength(2); // only from the first run
  });

  it('SIGINT prints the "Job stopped" banner and exits 0 without a final save', async () => {
    const dir = freshDir('sigint');
    const { config, saveRoot } = writeConfig(dir, { steps: 300 });
    const live = start([config], { ISENGARD_SIM_STEP_MS: '20' });
    await waitFor(() => stepOf(live.out) >= 3, 'training to start');
    live.child.kill('SIGINT');
    const r = await live.done;
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stdout.endsWith('\n========================================\nJob stopped\n========================================\n')).toBe(true);
    expect(r.stdout).not.toContain('Error running job');
    expect(existsSync(path.join(saveRoot, `${NAME}.safetensors`))).toBe(false);
  });

  it('stops through the UI SQLite protocol: stop=1 gives "Error running job: Job stopped" and exit 1', async () => {
    const dir = freshDir('dbstop');
    const db = makeJobDb(dir, 'job-1');
    const { config } = writeConfig(dir, { type: 'diffusion_trainer', steps: 300, extraProcess: { sqlite_db_path: db } });
    const live = start([config], { ISENGARD_SIM_STEP_MS: '20', AITK_JOB_ID: 'job-1' });
    await waitFor(() => stepOf(live.out) >= 3, 'training to start');
    const running = jobRow(db, 'job-1');
    expect(running.status).toBe('running');
    expect(running.info).toBe('Training');
    expect(running.step).toBeGreaterThanOrEqual(1);
    sql(db, 'UPDATE Job SET stop = 1, info = ? WHERE id = ?', ['Stopping job...', 'job-1']);
    const r = await live.done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Using SQLite database at ${db}\nJob ID: "job-1"\n`);
    expectInOrder(r.stdout, ['Error running job: Job stopped\n', '\nResult:\n - 0 completed jobs\n - 1 failure\n']);
    expect(r.stderr).toContain('Exception: Job stopped');
    expect(jobRow(db, 'job-1')).toMatchObject({ status: 'stopped', info: 'Job stopped', step: 0 });
  });

  it('the UI stop route (SIGINT plus stop=1) exits 0 with the banner and marks the row stopped', async () => {
    const dir = freshDir('dbstop-int');
    const db = makeJobDb(dir, 'job-2');
    const { config } = writeConfig(dir, { type: 'diffusion_trainer', steps: 300, extraProcess: { sqlite_db_path: db } });
    const live = start([config], { ISENGARD_SIM_STEP_MS: '20', AITK_JOB_ID: 'job-2' });
    await waitFor(() => stepOf(live.out) >= 2, 'training to start');
    // the route writes the flag and then signals; whichever the trainer sees first wins (exit 0 or 1), so the
    // signal goes first here to make the KeyboardInterrupt path deterministic
    live.child.kill('SIGINT');
    sql(db, 'UPDATE Job SET stop = 1 WHERE id = ?', ['job-2']);
    const r = await live.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\n========================================\nJob stopped\n========================================\n');
    expect(r.stdout).not.toContain('Error running job');
    expect(jobRow(db, 'job-2')).toMatchObject({ status: 'stopped', info: 'Job stopped', step: 0 });
  });

  it('save_now=1 saves at the end of the current step, resets the flag and training completes', async () => {
    const dir = freshDir('savenow');
    const db = makeJobDb(dir, 'job-3');
    const { config, saveRoot } = writeConfig(dir, {
      type: 'diffusion_trainer', steps: 40, extraProcess: { sqlite_db_path: db, performance_log_every: 5 },
    });
    const live = start([config], { ISENGARD_SIM_STEP_MS: '25', AITK_JOB_ID: 'job-3', IS_AI_TOOLKIT_UI: '1' });
    await waitFor(() => stepOf(live.out) >= 5, 'training to start');
    sql(db, 'UPDATE Job SET save_now = 1 WHERE id = ?', ['job-3']);
    await waitFor(() => /\nSaving at step \d+\n/.test(live.out.stdout), 'the save_now save');
    const r = await live.done;
    expect(r.code, r.stderr).toBe(0);
    const saved = Number(/\nSaving at step (\d+)\n/.exec(r.stdout)![1]);
    expect(saved).toBeGreaterThan(5);
    expect(saved).toBeLessThan(40);
    const file = path.join(saveRoot, `${NAME}_${String(saved).padStart(9, '0')}.safetensors`);
    expect(r.stdout).toContain(`\nSaving at step ${saved}\nSaved checkpoint to ${file}\n`);
    expect(JSON.parse(safetensorsHeader(file).meta.training_info!).step).toBe(saved);
    const row = sql(db, 'SELECT status, info, step, save_now FROM Job WHERE id = ?', ['job-3'])[0]!;
    expect(row).toEqual(['completed', 'Training completed', 40, 0]);
  });

  it('crash@N fails once with a CUDA error; the rerun in the same folder resumes past it', async () => {
    const dir = freshDir('crash');
    const { config, saveRoot } = writeConfig(dir, { steps: 8, saveEvery: 2, prompts: [] });
    const env = { ISENGARD_SIM_STEP_MS: '5', ISENGARD_SIM_FAULT: 'crash@3' };
    const r = await run([config], env);
    expect(r.code).toBe(1);
    expectInOrder(r.stdout, ['\nSaving at step 2\n', 'Error running job: CUDA error: an illegal memory access was encountered\n', '\nResult:\n']);
    expect(r.stderr).toContain('RuntimeError: CUDA error: an illegal memory access was encountered');
    expect(stepOf(r)).toBe(3);
    expect(JSON.parse(readFileSync(path.join(saveRoot, '.sim_faults.json'), 'utf8'))).toEqual({ fired: ['crash@3'] });

    const again = await run([config], env);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('Found step 2 in metadata, starting from there');
    expect(again.stdout).not.toContain('Error running job');
  });

  it('oom@N prints the skip banner three times, then aborts; the rerun completes', async () => {
    const dir = freshDir('oom');
    const { config } = writeConfig(dir, { steps: 10, saveEvery: 2, prompts: [] });
    const env = { ISENGARD_SIM_STEP_MS: '5', ISENGARD_SIM_FAULT: 'oom@3' };
    const r = await run([config], env);
    expect(r.code).toBe(1);
    const banner = (n: number) =>
      `\n################################################\n# OOM during training step, skipping batch ${n}/3 #\n################################################\n\n`;
    expectInOrder(r.stdout, [banner(1), banner(2), banner(3), 'Error running job: OOM during training step 3 times in a row, aborting training\n']);
    expect(r.stdout.split('# OOM during training step').length - 1).toBe(3);
    expect(r.stderr).toContain('RuntimeError: OOM during training step 3 times in a row, aborting training');

    const again = await run([config], env);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('OOM during training step');
  });

  it('hang@N goes silent but stays alive; SIGINT still stops it and SIGTERM kills it at once', async () => {
    // Steps that never sleep: the only sleep after the fault's marker is the hang's own.
    const env = { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_FAULT: 'hang@3' };
    const first = writeConfig(freshDir('hang'), { steps: 50 });
    const term = start([first.config], env);
    await waitFor(() => inTheHang(term, first.saveRoot), 'the hang');
    term.child.kill('SIGTERM');
    const t = await term.done;
    expect(t.code).toBeNull();
    expect(t.signal).toBe('SIGTERM');
    expect(t.stdout).not.toContain('Job stopped');
    // Nothing after the hang: the bar never passed its step, although 47 more steps were due.
    const steps = parsed(t).flatMap((e) => (e.type === 'progress' ? [e.step] : []));
    expect(Math.max(0, ...steps)).toBeLessThanOrEqual(3);

    const second = writeConfig(freshDir('hang'), { steps: 50 });
    const int = start([second.config], env);
    await waitFor(() => inTheHang(int, second.saveRoot), 'the hang');
    int.child.kill('SIGINT');
    const i = await int.done;
    expect(i.code).toBe(0);
    expect(i.stdout).toContain('\n========================================\nJob stopped\n========================================\n');
  });

  it('fails with the AssertionError when the dataset has no images', async () => {
    const dir = freshDir('empty');
    const images = path.join(dir, 'images');
    mkdirSync(path.join(images, '_controls'), { recursive: true });
    writeFileSync(path.join(images, '_controls', 'x.png'), png(64, 64));
    writeFileSync(path.join(images, 'notes.txt'), 'not an image');
    const { config } = writeConfig(dir, { datasetDir: images });
    const r = await run([config]);
    expect(r.code).toBe(1);
    expectInOrder(r.stdout, [
      `Dataset: ${images}\n  -  Preprocessing image dimensions\n  -  Found 0 images\n`,
      `Error running job: no images found in ${images}\n`,
      '\n========================================\nResult:\n - 0 completed jobs\n - 1 failure\n========================================\n',
    ]);
    expect(r.stderr).toMatch(/Traceback \(most recent call last\):[\s\S]*AssertionError: no images found in /);
  });

  it('reports bad configs the way run.py does', async () => {
    const dir = freshDir('bad');
    const onErrorLine = "Error running on_error: cannot access local variable 'job' where it is not associated with a value\n";

    const missing = await run([path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expectInOrder(missing.stdout, [`Error running job: Could not find config file ${path.join(dir, 'nope.json')}\n`, onErrorLine, ' - 1 failure\n']);
    expect(missing.stderr).toContain('ValueError: Could not find config file');

    const usage = await run([]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error: the following arguments are required: config_file_list');

    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ job: 'extension', config: { name: 'x', process: [{ type: 'bogus' }] } }));
    const u = await run([unknown]);
    expect(u.code).toBe(1);
    expectInOrder(u.stdout, ['Error running job: config file is invalid. Unknown process type: bogus\n', onErrorLine]);

    const { config: noModel } = writeConfig(freshDir('bad'), { model: { is_flux: true } });
    const nm = await run([noModel]);
    expect(nm.code).toBe(1);
    expectInOrder(nm.stdout, ['    "type": "sd_trainer",', 'Error running job: name_or_path must be specified\n', onErrorLine]);

    const envVar = path.join(dir, 'env.json');
    writeFileSync(envVar, JSON.stringify({ job: 'extension', config: { name: '${SIM_TEST_UNSET_VAR}', process: [] } }));
    const ev = await run([envVar]);
    expect(ev.code).toBe(1);
    expect(ev.stdout).toContain("Error running job: Environment variable SIM_TEST_UNSET_VAR not set. Please ensure it's defined before proceeding.\n");

    const badPath = path.join(dir, 'no-such-model');
    const { config: localModel } = writeConfig(freshDir('bad'), { model: { name_or_path: badPath, is_flux: true } });
    const lm = await run([localModel]);
    expect(lm.code).toBe(1);
    expectInOrder(lm.stdout, ['Loading Flux model\nLoading transformer\n',
      `Error running job: We couldn't connect to 'https://huggingface.co' to load this model, couldn't find it in the cached files and it looks like ${badPath} is not the path to a directory containing a config.json file.\n`]);
    expect(lm.stderr).toContain('OSError: We couldn');

  });

  it('applies the engine\'s text rules to a plain config: ${VAR} from the environment, [trigger], prompt options', async () => {
    const dir = freshDir('text-plain');
    const { config, saveRoot } = writeConfig(dir, { steps: 2, prompts: ['[trigger] at ${HF_TOKEN} --w 256 --seed 7'] });
    const r = await run([config], { ISENGARD_SIM_STEP_MS: '0', HF_TOKEN: 'hf_simsecret123' });
    expect(r.code, r.stdout).toBe(0);
    // The token lands in the saved config, and the prompt the image was made from is cut at its options.
    expect(readFileSync(path.join(saveRoot, 'config.yaml'), 'utf8')).toContain('hf_simsecret123');
    const [baseline] = samplesAt(saveRoot, 0);
    expect(madeFrom(baseline!)).toEqual({ prompt: 'p3r5on at hf_simsecret123', seed: 7, step: 0, index: 0 });
    expect(await sharp(baseline!).metadata()).toMatchObject({ width: 64, height: 256 });

    // An option value the engine cannot convert fails the run as GenerateImageConfig does.
    const bad = writeConfig(freshDir('text-bad-flag'), { steps: 2, prompts: ['[trigger] --w wide'] });
    const failed = await run([bad.config], { ISENGARD_SIM_STEP_MS: '0' });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("Error running job: invalid literal for int() with base 10: 'wide'");
    // An unset variable aborts before anything runs.
    const unset = writeConfig(freshDir('text-unset'), { steps: 2, prompts: ['costs ${PRICE}'] });
    const aborted = await run([unset.config], { ISENGARD_SIM_STEP_MS: '0' });
    expect(aborted.code).toBe(1);
    expect(aborted.stdout).toContain('Error running job: Environment variable PRICE not set.');
  });

  it('keeps the user\'s text as written when started the adapter\'s way (encoded config, --name [name], launcher)', async () => {
    const dir = freshDir('text-adapter');
    const prompt = '${HF_TOKEN} [trigger] costs ${PRICE} [name]';
    const { config, saveRoot } = writeConfig(dir, { steps: 2, prompts: [prompt], encoded: true });
    const r = await run([...KEEP_NAME_TAG_ARGS, config], { ISENGARD_SIM_STEP_MS: '0', HF_TOKEN: 'hf_simsecret123', PYTHON_DOTENV_DISABLED: '1' }, [LAUNCH_PY]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const saved = readFileSync(path.join(saveRoot, 'config.yaml'), 'utf8');
    expect(saved).not.toContain('hf_simsecret123');
    expect(saved).toContain('${HF_TOKEN} [trigger] costs ${PRICE} [name]');
    // [name] is the engine's other trigger tag; the rest reaches the sample exactly as written.
    for (const step of [0, 2]) {
      const [image] = samplesAt(saveRoot, step);
      expect(madeFrom(image!), `sample at step ${step}`).toEqual({ prompt: '${HF_TOKEN} p3r5on costs ${PRICE} p3r5on', seed: 42, step, index: 0 });
    }
    // The job name is still the config's: checkpoints and metadata use it.
    expect(existsSync(path.join(saveRoot, `${NAME}.safetensors`))).toBe(true);
    expect(safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`)).meta.name).toBe(NAME);
  });

  it('sample_start_step and skip_first_sample: a resumed run makes no samples again for steps already sampled', async () => {
    const dir = freshDir('no-resample');
    const first = writeConfig(dir, { steps: 8, saveEvery: 4, sampleEvery: 3 });
    const crashed = await run([first.config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_FAULT: 'crash@7' });
    expect(crashed.code).toBe(1);
    const stepsOf = (files: string[]) => files.map((f) => Number(/__(\d{9})_/.exec(f)![1])).sort((a, b) => a - b);
    const sampled = () => stepsOf(readdirSync(path.join(first.saveRoot, 'samples')).filter((f) => f.endsWith('.jpg')));
    // Baseline (0), 3 and 6 were sampled; the newest checkpoint is at 4, so a resume runs steps 4..7 again.
    expect(sampled()).toEqual([0, 0, 3, 3, 6, 6]);
    const cfg = JSON.parse(readFileSync(first.config, 'utf8'));
    cfg.config.process[0].train.skip_first_sample = true;
    cfg.config.process[0].sample.sample_start_step = 7;
    writeFileSync(first.config, JSON.stringify(cfg));
    const resumed = await run([first.config], { ISENGARD_SIM_STEP_MS: '0' });
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.stdout).toContain('Found step 4 in metadata, starting from there');
    expect(resumed.stdout).toContain('Skipping first sample due to config setting');
    // Step 6 is not sampled a second time; the final samples (8) are new.
    expect(sampled()).toEqual([0, 0, 3, 3, 6, 6, 8, 8]);
  });
});

describe('ai-toolkit simulator on the simulated GPU', () => {
  /** The state file of a ComfyUI simulator (process `pid`) holding FLUX, as plugins/simulated-gpu/gpu-state.ts writes it. */
  function comfyHolding(file: string, pid: number, heldGiB: number): void {
    const comfyui = { pid, vramTotalBytes: Math.round(23.55 * GIB), vramHeldBytes: Math.round(heldGiB * GIB), baseModel: heldGiB ? 'flux1-dev' : null, loras: [], charged: noCharges() };
    writeGpuState(file, { comfyui });
  }

  it('refuses to train while ComfyUI holds the card: torch\'s CUDA out-of-memory at model load, classified as an OOM', async () => {
    const dir = freshDir('vram-held');
    const stateFile = path.join(dir, 'sim-gpu.json');
    const { config, saveRoot } = writeConfig(dir, { steps: 4, prompts: [] });
    comfyHolding(stateFile, process.pid, 21.5); // this test's process stands for a live ComfyUI
    const r = await run([config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_GPU_STATE: stateFile });
    expect(r.code).toBe(1);
    expectInOrder(r.stdout, ['Loading transformer\n', 'Error running job: CUDA out of memory. Tried to allocate 72.00 MiB. GPU 0 has a total capacity of 23.55 GiB']);
    expect(r.stdout).not.toContain('Loading VAE');
    expect(r.stderr).toContain(`torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 72.00 MiB. GPU 0 has a total capacity of 23.55 GiB of which 19.00 MiB is free. Process ${process.pid} has 21.50 GiB memory in use.`);
    expect(r.stderr).not.toContain('[simulator] charged model load');
    expect(existsSync(path.join(saveRoot, `${NAME}_000000002.safetensors`))).toBe(false);
    const errorMessage = parsed(r).flatMap((e) => (e.type === 'error' ? [e.message] : [])).at(-1);
    const failure = classifyFailure({ exitCode: r.code, signal: r.signal, errorMessage, stdoutTail: r.stdout.split('\n'), stderrTail: r.stderr.split('\n'), stopRequested: false, silent: false });
    expect(failure.code).toBe('oom');

    // Freed (POST /free): the same card has room.
    comfyHolding(stateFile, process.pid, 0);
    const freed = await run([config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_GPU_STATE: stateFile });
    expect(freed.code, freed.stdout).toBe(0);
  });

  it('trains when the ComfyUI that held the card is gone (its memory went with it) or held only what leaves room', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve));
    const dir = freshDir('vram-gone');
    const stateFile = path.join(dir, 'sim-gpu.json');
    comfyHolding(stateFile, pid, 21.5);
    const r = await run([writeConfig(dir, { steps: 2, prompts: [] }).config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_GPU_STATE: stateFile });
    expect(r.code, r.stdout).toBe(0);

    const roomy = freshDir('vram-roomy');
    comfyHolding(path.join(roomy, 'sim-gpu.json'), process.pid, 4); // 23.55 - 4 GiB leaves the 17 GiB the training needs
    const fits = await run([writeConfig(roomy, { steps: 2, prompts: [] }).config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_GPU_STATE: path.join(roomy, 'sim-gpu.json') });
    expect(fits.code, fits.stdout).toBe(0);
  });

  it('charges the FLUX load, steps and sample images from the real figures times ISENGARD_SIM_TIME_SCALE; a variable given wins', async () => {
    const scaled = await run([writeConfig(freshDir('scale'), { steps: 1, prompts: [] }).config], { ISENGARD_SIM_TIME_SCALE: '0.001', ISENGARD_SIM_LOAD_MS: '' });
    expect(scaled.code, scaled.stdout).toBe(0);
    expect(scaled.stderr).toContain('[simulator] charged model load (flux): 20 ms; a step costs 3.5 ms, a sample image 10 ms\n');

    const given = await run([writeConfig(freshDir('scale'), { steps: 1, prompts: [] }).config], { ISENGARD_SIM_TIME_SCALE: '0.001', ISENGARD_SIM_LOAD_MS: '7', ISENGARD_SIM_STEP_MS: '6' });
    // A sample image is two steps when the step time is given, as before the figures.
    expect(given.stderr).toContain('[simulator] charged model load (flux): 7 ms; a step costs 6 ms, a sample image 12 ms\n');

    const fastTest = await run([writeConfig(freshDir('scale'), { steps: 1, prompts: [] }).config], { ISENGARD_SIM_LOAD_MS: '' });
    expect(fastTest.stderr).toContain('[simulator] charged model load (flux): 400 ms; a step costs 70 ms, a sample image 200 ms\n');

    const bad = await run([writeConfig(freshDir('scale'), { steps: 1, prompts: [] }).config], { ISENGARD_SIM_TIME_SCALE: 'fast' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("Error running job: ISENGARD_SIM_TIME_SCALE must be a number >= 0, got 'fast'");
  });
});

describe('ai-toolkit simulator likeness (scored by the product\'s identity scorer)', () => {
  const scorer = sharedIdentityScorer();
  afterAll(() => closeSharedIdentityScorer());

  /** A dataset of four photos of one person, with captions; and the product's references of them. */
  async function personDataset(dir: string) {
    const photos = await personPhotos();
    mkdirSync(dir, { recursive: true });
    photos.forEach((photo, i) => {
      writeFileSync(path.join(dir, `photo${i}.jpg`), photo);
      writeFileSync(path.join(dir, `photo${i}.txt`), 'a photo of [trigger]');
    });
    return { dir, references: await referencesOf(scorer, photos) };
  }

  /** Each sampled step's likeness scores, in step order. */
  async function scoresByStep(saveRoot: string, references: Awaited<ReturnType<typeof personDataset>>['references']) {
    const byStep = new Map<number, Awaited<ReturnType<typeof likenessOf>>[]>();
    for (const sample of (await listSamples(saveRoot)).sort((a, b) => a.step - b.step || a.promptIndex - b.promptIndex)) {
      const score = await likenessOf(scorer, readFileSync(sample.path), references);
      byStep.set(sample.step, [...(byStep.get(sample.step) ?? []), score]);
    }
    return byStep;
  }

  const simNode = { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_NODE: process.execPath };
  const prompts = ['[trigger] in a park', 'a portrait of [trigger]', '[trigger] at the beach --w 768'];

  it('draws the dataset\'s person: not recognisable before training, recognisable at the end, more alike round after round, never a copy', async () => {
    const dir = freshDir('likeness');
    const { references } = await personDataset(path.join(dir, 'images'));
    const { config, saveRoot } = writeConfig(dir, { steps: 8, sampleEvery: 2, saveEvery: 4, prompts, datasetDir: path.join(dir, 'images') });
    const r = await run([config], simNode);
    expect(r.code, r.stderr).toBe(0);

    const byStep = await scoresByStep(saveRoot, references);
    expect([...byStep.keys()]).toEqual([0, 2, 4, 6, 8]);
    const means = [...byStep.values()].map(meanSimilarity);
    expect(byStep.get(0)!.every((s) => !s.recognisable), JSON.stringify(byStep.get(0))).toBe(true);
    expect(byStep.get(8)!.every((s) => s.status === 'scored' && s.recognisable), JSON.stringify(byStep.get(8))).toBe(true);
    expect(means.at(-1)).toBeGreaterThan(0.95);
    for (let i = 1; i < means.length; i++) expect(means[i], `round ${i} after ${JSON.stringify(means)}`).toBeGreaterThan(means[i - 1] ?? 0);
    expect([...byStep.values()].flat().filter((s) => s.copyOf !== null)).toEqual([]);

    // Each sample still says what it was made from; the sample of --w 768 keeps its aspect.
    const [first] = samplesAt(saveRoot, 8);
    expect(madeFrom(first!)).toEqual({ prompt: 'p3r5on in a park', seed: 42, step: 8, index: 0 });
    expect(await sharp(samplesAt(saveRoot, 8)[2]!).metadata()).toMatchObject({ width: 192, height: 256 });

    // The LoRA files carry the person and how faithfully each draws them, for the ComfyUI simulator.
    const faceOf = (file: string) => JSON.parse(safetensorsHeader(path.join(saveRoot, file)).meta.isengard_simulator_face!) as { fidelity: number; overfit: boolean; jpeg: string };
    const final = faceOf(`${NAME}.safetensors`);
    expect(final).toMatchObject({ fidelity: 1, overfit: false });
    expect(final.jpeg.length).toBeLessThanOrEqual(30_000);
    const face = await likenessOf(scorer, Buffer.from(final.jpeg, 'base64'), references);
    expect(face.recognisable).toBe(true);
    expect(faceOf(`${NAME}_000000004.safetensors`).fidelity).toBe(0.5);
  });

  it('with ISENGARD_SIM_OVERFIT_FROM, the samples from that share of the steps on are copies of a training photo', async () => {
    const dir = freshDir('overfit');
    const { references } = await personDataset(path.join(dir, 'images'));
    const { config, saveRoot } = writeConfig(dir, { steps: 6, sampleEvery: 3, prompts: prompts.slice(0, 2), datasetDir: path.join(dir, 'images') });
    const r = await run([config], { ...simNode, ISENGARD_SIM_OVERFIT_FROM: '0.5' });
    expect(r.code, r.stderr).toBe(0);
    const byStep = await scoresByStep(saveRoot, references);
    expect(byStep.get(0)!.map((s) => s.copyOf)).toEqual([null, null]);
    for (const step of [3, 6]) {
      expect(byStep.get(step)!.map((s) => s.copyOf?.photoId), `step ${step}`).toEqual([expect.stringMatching(/^photo-/), expect.stringMatching(/^photo-/)]);
    }
    expect(JSON.parse(safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`)).meta.isengard_simulator_face!)).toMatchObject({ overfit: true });
  });

  it('keeps its flat samples, and writes no face into the LoRA, when there is no Node to paint with', async () => {
    const dir = freshDir('no-node');
    await personDataset(path.join(dir, 'images'));
    const { config, saveRoot } = writeConfig(dir, { steps: 2, prompts: prompts.slice(0, 1), datasetDir: path.join(dir, 'images') });
    const r = await run([config], { ISENGARD_SIM_STEP_MS: '0', ISENGARD_SIM_NODE: path.join(dir, 'no-such-node') });
    expect(r.code, r.stderr).toBe(0);
    const { data, info } = await sharp(samplesAt(saveRoot, 2)[0]!).raw().toBuffer({ resolveWithObject: true });
    expect(new Set(Array.from({ length: info.width * info.height }, (_, i) => data.readUIntBE(i * 3, 3))).size).toBe(1);
    expect(safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`)).meta.isengard_simulator_face).toBeUndefined();
  });
});
