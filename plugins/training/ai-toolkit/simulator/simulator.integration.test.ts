import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * The ai-toolkit simulator (run.py beside this file) against the contract in shared/specs/ai-toolkit.md:
 * console streams, files, resume, stop, faults and errors. Each test spawns `python3 run.py` on temp folders.
 */

const SIM_DIR = path.dirname(fileURLToPath(import.meta.url));
const RUN_PY = path.join(SIM_DIR, 'run.py');
const NAME = 'sim_lora';
const ESC = String.fromCharCode(0x1b);
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

function start(args: string[], env: Record<string, string> = {}): Live {
  const child = spawn('python3', [RUN_PY, ...args], { cwd: scratch, env: simEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, ...out }));
  });
  return { child, out, done };
}

function run(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return start(args, env).done;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 15 },
  );
}

/** Only where the time itself is the point: proving that a process stays silent. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- fixtures

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

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

/** A dataset folder: two PNGs and one JPEG (made by the simulator's own encoder), captions, an unreadable file. */
function makeDataset(dir: string): string {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'a.png'), png(1024, 768));
  writeFileSync(path.join(dir, 'a.txt'), 'a photo of [trigger], smiling');
  writeFileSync(path.join(dir, 'sub', 'b.PNG'), png(600, 900));
  writeFileSync(path.join(dir, 'broken.jpg'), 'not an image at all');
  writeFileSync(path.join(dir, '.hidden.png'), png(64, 64));
  execFileSync('python3', [
    '-B',
    '-c',
    'import sys; from aitk_sim import jpeg; w, h = 1200, 1200; ' +
      'open(sys.argv[1], "wb").write(jpeg.encode(w, h, [[90, 120, 200] * w for _ in range(h)]))',
    path.join(dir, 'c.jpg'),
  ], { cwd: SIM_DIR });
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
          logging: { log_every: 1, use_ui_logger: true },
          ...o.extraProcess,
        },
      ],
    },
    meta: { name: '[name]', version: '1.0' },
  };
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { config: file, saveRoot: path.join(trainingFolder, NAME) };
}

// ---------------------------------------------------------------- parsers

function safetensorsHeader(file: string): { header: Record<string, unknown>; meta: Record<string, string>; data: Buffer } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  return { header, meta: header.__metadata__ as Record<string, string>, data: buf.subarray(8 + n) };
}

function jpegSize(file: string): { width: number; height: number } {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 2).toString('hex')).toBe('ffd8');
  expect(buf.subarray(-2).toString('hex')).toBe('ffd9');
  let i = 2;
  while (i < buf.length) {
    expect(buf[i]).toBe(0xff);
    const marker = buf[i + 1]!;
    const len = buf.readUInt16BE(i + 2);
    if (marker === 0xc0) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error(`no SOF0 in ${file}`);
}

/** The training bar's records on stderr (tqdm redraws start with \r). */
function barRecords(stderr: string): string[] {
  return stderr
    .split('\r')
    .map((r) => r.replace(/\s+$/, ''))
    .filter((r) => r.startsWith(`${NAME}:`));
}

const BAR_RE = new RegExp(
  `^${NAME}: +(\\d+)%\\|([ ▏▎▍▌▋▊▉█]{10})\\| (\\d+)/(\\d+) \\[(\\d\\d:\\d\\d)<(\\d\\d:\\d\\d|\\?), ` +
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
      '\nRunning  1 process\n',
      'Loading Flux model\nLoading transformer\nQuantizing transformer\nLoading VAE\nLoading T5\nQuantizing T5\n' +
        'Loading CLIP\nMaking pipe\nPreparing Model\n',
      'create LoRA network. base dim (rank): 16, alpha: 16\n',
      'create LoRA for Text Encoder: 0 modules.\ncreate LoRA for U-Net: 494 modules.\nenable LoRA for U-Net\n',
      `Dataset: ${ds}\n  -  Preprocessing image dimensions\n`,
      `Error processing image: ${path.join(ds, 'broken.jpg')}\ncannot identify image file`,
      `  -  Found 3 images\nBucket sizes for ${ds}:\n`,
      `Dataset: ${ds}\n`,
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
    expect(r.stdout.endsWith(`Saved optimizer to ${saveRoot}/optimizer.pt\n\n\n`)).toBe(true);
    // buckets: multiples of 32 for FLUX, never upscaled, at most resolution² pixels
    const bucketBlocks = [...r.stdout.matchAll(/Bucket sizes for [^\n]*:\n((?:\d+x\d+: \d+ files\n)+)(\d+) buckets made\n/g)]
      .map((m) => m[1]!.trim().split('\n').sort());
    expect(bucketBlocks).toEqual([
      ['416x608: 1 files', '512x512: 1 files', '576x448: 1 files'],
      ['1024x1024: 1 files', '1024x768: 1 files', '608x896: 1 files'],
    ]);

    // stderr: the tqdm records
    const records = barRecords(r.stderr);
    expect(records[0]).toBe(`${NAME}:   0%|          | 0/10 [00:00<?, ?it/s]`);
    for (const rec of records) expect(rec).toMatch(BAR_RE);
    expect(records.filter((x) => x.includes('loss:')).length).toBeGreaterThanOrEqual(10);
    const steps = records.map(barStep);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(records[records.length - 1]).toMatch(/ 10\/10 \[\d\d:\d\d<00:00, +\d+\.\d\d(it\/s|s\/it), lr: 1\.0e-04 loss: /);
    expect(r.stderr.endsWith(']\n') || /\r +\r$/.test(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/\r100%\|██████████\| 4\/4 \[00:00<00:00, +\d+\.\d\dit\/s\]\n/); // dataset scan
    expect(r.stderr).toContain('\n\rGenerating Images:   0%|          | 0/2 [00:00<?, ?it/s]\x1b[A');
    expect(r.stderr).toMatch(new RegExp(`\n\r {20,}${ESC}\\[A`)); // the nested bar erases itself

    // checkpoints, pruning, final file
    const files = readdirSync(saveRoot).sort();
    expect(files).toEqual(
      expect.arrayContaining(['config.yaml', 'loss_log.db', 'optimizer.pt', 'samples', `${NAME}.safetensors`,
        `${NAME}_000000006.safetensors`, `${NAME}_000000009.safetensors`]),
    );
    expect(files).not.toContain(`${NAME}_000000003.safetensors`);
    expect(readFileSync(path.join(saveRoot, 'config.yaml'), 'utf8').startsWith(
      'job: extension\nconfig:\n  name: sim_lora\n  process:\n  - type: sd_trainer\n')).toBe(true);
    expect(JSON.parse(readFileSync(path.join(ds, '.aitk_size.json'), 'utf8'))).toMatchObject({
      __version__: '0.1.2',
      '/a.png': [1024, 768, expect.any(String)],
      '/c.jpg': [1200, 1200, expect.any(String)],
    });

    const final = safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`));
    expect(JSON.parse(final.meta.training_info!)).toEqual({ step: 10, epoch: expect.any(Number) });
    expect(final.meta).toMatchObject({
      ss_base_model_version: 'flux.1',
      ss_output_name: NAME,
      ss_tag_frequency: '{"1_p3r5on": {"p3r5on": 1}}',
      format: 'pt',
      name: NAME,
      version: '1.0',
    });
    expect(JSON.parse(final.meta.software!)).toEqual({ name: 'ai-toolkit', repo: 'https://github.com/ostris/ai-toolkit', version: '0.12.26' });
    expect(final.meta.sshs_model_hash).toBe(createHash('sha256').update(final.data).digest('hex'));
    expect(final.meta.sshs_legacy_hash).toMatch(/^[0-9a-f]{8}$/);
    const tensorNames = Object.keys(final.header).filter((k) => k !== '__metadata__');
    expect(tensorNames).toHaveLength(40);
    expect(final.header['transformer.transformer_blocks.0.norm1.linear.lora_A.weight']).toMatchObject({ dtype: 'F16', shape: [4, 3072] });
    expect(final.header['transformer.transformer_blocks.0.norm1.linear.lora_B.weight']).toMatchObject({ dtype: 'F16', shape: [18432, 4] });
    expect(final.header['transformer.single_transformer_blocks.0.proj_out.lora_A.weight']).toMatchObject({ shape: [4, 15360] });
    const loraB = final.header['transformer.transformer_blocks.0.attn.to_q.lora_B.weight'] as { data_offsets: [number, number] };
    expect(final.data.subarray(...loraB.data_offsets).some((b) => b !== 0)).toBe(true);
    expect(JSON.parse(safetensorsHeader(path.join(saveRoot, `${NAME}_000000006.safetensors`)).meta.training_info!).step).toBe(6);

    // samples: baseline, step 4, step 8, final 10; thumbnails; real JPEGs of the configured aspect
    const samples = readdirSync(path.join(saveRoot, 'samples')).filter((f) => f.endsWith('.jpg')).sort();
    expect(samples).toHaveLength(8);
    for (const f of samples) expect(f).toMatch(/^\d{13}__0000000(00|04|08|10)_[01]\.jpg$/);
    expect(samples.map((f) => f.slice(15, 24)).sort()).toEqual(['000000000', '000000000', '000000004', '000000004',
      '000000008', '000000008', '000000010', '000000010']);
    for (const f of samples) {
      expect(jpegSize(path.join(saveRoot, 'samples', f))).toEqual(f.endsWith('_0.jpg') ? { width: 256, height: 256 } : { width: 192, height: 256 });
      expect(jpegSize(path.join(saveRoot, 'samples', '.thumbs', `${f}.jpg`))).toEqual({ width: 300, height: 300 });
    }
    const a = readFileSync(path.join(saveRoot, 'samples', samples.find((f) => f.includes('__000000004_0'))!));
    const b = readFileSync(path.join(saveRoot, 'samples', samples.find((f) => f.includes('__000000008_0'))!));
    const c = readFileSync(path.join(saveRoot, 'samples', samples.find((f) => f.includes('__000000008_1'))!));
    expect(a.equals(b)).toBe(false);
    expect(b.equals(c)).toBe(false);

    // loss chart: learning_rate and loss/loss for every step but the first
    const rows = sql(path.join(saveRoot, 'loss_log.db'), 'SELECT key, MIN(step), MAX(step), COUNT(*) FROM metrics GROUP BY key ORDER BY key');
    expect(rows).toEqual([['learning_rate', 1, 9, 9], ['loss/loss', 1, 9, 9]]);
    expect(sql(path.join(saveRoot, 'loss_log.db'), 'PRAGMA journal_mode')).toEqual([['wal']]);

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
    expect(r.stdout).not.toContain("Timer 'sim_lora Timer'"); // hidden with IS_AI_TOOLKIT_UI=1
    const row = sql(db, 'SELECT status, info, step, save_now, speed_string FROM Job WHERE id = ?', ['job-3'])[0]!;
    expect(row.slice(0, 4)).toEqual(['completed', 'Training completed', 40, 0]);
    expect(row[4]).toMatch(/^\d+\.\d\d (iter\/sec|sec\/iter)$/);
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
    const env = { ISENGARD_SIM_STEP_MS: '10', ISENGARD_SIM_FAULT: 'hang@3' };
    const first = writeConfig(freshDir('hang'), { steps: 50 });
    const term = start([first.config], env);
    await waitFor(() => existsSync(path.join(first.saveRoot, '.sim_faults.json')), 'the hang fault');
    // Silence can only be shown over time: first let what was printed before the hang come through the pipes, then
    // watch for 30 steps' worth (10 ms each) with nothing more.
    await sleep(150);
    const seen = term.out.stdout.length + term.out.stderr.length;
    await sleep(300);
    expect(term.out.stdout.length + term.out.stderr.length).toBe(seen);
    expect(term.child.exitCode).toBeNull();
    term.child.kill('SIGTERM');
    const t = await term.done;
    expect(t.code).toBeNull();
    expect(t.signal).toBe('SIGTERM');
    expect(t.stdout).not.toContain('Job stopped');

    const second = writeConfig(freshDir('hang'), { steps: 50 });
    const int = start([second.config], env);
    await waitFor(() => existsSync(path.join(second.saveRoot, '.sim_faults.json')), 'the hang fault');
    // The marker is written just before the endless sleep: a moment later SIGINT lands in the hang itself.
    await sleep(50);
    int.child.kill('SIGINT');
    const i = await int.done;
    expect(i.code).toBe(0);
    expect(i.stdout).toContain('\n========================================\nJob stopped\n========================================\n');
  });

  it('fails with the AssertionError when the dataset has no readable images', async () => {
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
    expect(r.stderr).toContain('\r0it [00:00, ?it/s]');
    expect(r.stderr).toMatch(/Traceback \(most recent call last\):[\s\S]*AssertionError: no images found in /);
    expect(existsSync(path.join(images, '.aitk_size.json'))).toBe(true);
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

    // YAML needs PyYAML; with it unavailable the error says to use JSON
    const noYaml = path.join(dir, 'no-yaml');
    mkdirSync(noYaml);
    writeFileSync(path.join(noYaml, 'yaml.py'), 'raise ImportError("No module named \'yaml\'")\n');
    const yamlConfig = path.join(dir, 'job.yaml');
    writeFileSync(yamlConfig, 'job: extension\nconfig:\n  name: x\n');
    const y = await run([yamlConfig], { PYTHONPATH: noYaml });
    expect(y.code).toBe(1);
    expect(y.stdout).toMatch(/Error running job: Config file .*job\.yaml is YAML, .*PyYAML is not installed; write the config as JSON/);

    // a bare -l file name fails like upstream (dirname '' cannot be created)
    const log = await run(['-l', 'log.txt', path.join(dir, 'nope.json')]);
    expect(log.code).toBe(1);
    expect(log.stderr).toContain('FileNotFoundError');
  });

  it('writes a small FLUX file in bf16 and uses the empty-window legacy hash under 1 MiB', async () => {
    const dir = freshDir('small');
    const { config, saveRoot } = writeConfig(dir, {
      steps: 2, prompts: [],
      network: { type: 'lora', linear: 2, network_kwargs: { only_if_contains: ['attn.to_q'] } },
      extraProcess: { save: { dtype: 'bf16', save_every: 1000 } },
    });
    const r = await run([config], { ISENGARD_SIM_STEP_MS: '0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('create LoRA network. base dim (rank): 2, alpha: 2\n');
    expect(r.stdout).toContain('create LoRA for U-Net: 57 modules.\n'); // 19 double + 38 single blocks
    const { header, meta } = safetensorsHeader(path.join(saveRoot, `${NAME}.safetensors`));
    expect(Object.keys(header).filter((k) => k !== '__metadata__').sort()).toEqual([
      'transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight',
      'transformer.single_transformer_blocks.0.attn.to_q.lora_B.weight',
      'transformer.transformer_blocks.0.attn.to_q.lora_A.weight',
      'transformer.transformer_blocks.0.attn.to_q.lora_B.weight',
    ]);
    expect(header['transformer.transformer_blocks.0.attn.to_q.lora_A.weight']).toMatchObject({ dtype: 'BF16', shape: [2, 3072] });
    expect(meta.sshs_legacy_hash).toBe('e3b0c442');
  });
});
