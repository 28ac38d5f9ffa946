import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../lib/project-root';
import { instanceEnv } from './lib/env';
import { BenchInstance } from './lib/instance';
import { renderTable, meets } from './lib/table';
import { SECTIONS, type BenchContext, type BenchOptions, type Row, type Section, type SectionName } from './lib/types';
import { apiSection } from './sections/api';
import { generationSection } from './sections/generation';
import { lifecycleSection } from './sections/lifecycle';
import { likenessSection } from './sections/likeness';
import { photosSection } from './sections/photos';
import { scaleSection } from './sections/scale';
import { startupSection } from './sections/startup';
import { trainingSection } from './sections/training';

/**
 * `npm run bench`: the platform's own cost, each figure next to its anchor measured in the same run, against the
 * targets. Prints one table and writes bench-results/results-<timestamp>.json (git-ignored). Never part of
 * `npm test`; the targets are reported, never asserted.
 */
const HELP = `Usage: npm run bench [-- [section ...] [options]]

  section ...              any of: ${SECTIONS.join(', ')} (default: all), e.g. \`npm run bench -- photos\`
  --only <sections>        the same, comma-separated
  --quick                  smaller counts and shorter runs, for a fast check (flags below still win)
  --generation-jobs N      measured generations, one at a time (100)
  --generation-warmup N    unmeasured generations first (3)
  --generation-steps N     sampling steps per generation (20)
  --generation-size N      image width and height in px (512)
  --comfy-step-ms N        simulated ComfyUI time per sampling step (10)
  --lifecycle-cancels N    generations cancelled at moments from queued to saving (20)
  --lifecycle-stops N      trainings stopped mid-run (3)
  --training-steps N       steps of the measured training run (1000)
  --train-step-ms N        simulated ai-toolkit time per step (100)
  --idle-seconds N         length of the idle CPU baseline (20)
  --photos-jpeg N          12 MP JPEGs with EXIF orientation 6 (30)
  --photos-heic N          HEIC photos (10)
  --photo-megapixels N     size of the JPEGs (12)
  --api-connections N      concurrent connections per endpoint (50)
  --api-seconds N          seconds per endpoint (8)
  --scale-jobs N           generations queued at once (500)
  --scale-steps N          sampling steps of those (4)
  --out DIR                where the JSON goes (bench-results)
  -h, --help`;

function options(argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean' },
      'generation-jobs': { type: 'string' },
      'generation-warmup': { type: 'string' },
      'generation-steps': { type: 'string' },
      'generation-size': { type: 'string' },
      'comfy-step-ms': { type: 'string' },
      'lifecycle-cancels': { type: 'string' },
      'lifecycle-stops': { type: 'string' },
      'training-steps': { type: 'string' },
      'train-step-ms': { type: 'string' },
      'idle-seconds': { type: 'string' },
      'photos-jpeg': { type: 'string' },
      'photos-heic': { type: 'string' },
      'photo-megapixels': { type: 'string' },
      'api-connections': { type: 'string' },
      'api-seconds': { type: 'string' },
      'scale-jobs': { type: 'string' },
      'scale-steps': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const quick = values.quick === true;
  const int = (name: keyof typeof values, full: number, min = 0, quickValue = full) => {
    const raw = values[name];
    if (raw === undefined) return quick ? quickValue : full;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min} (got ${String(raw)})`);
    return n;
  };
  const named = [...positionals.flatMap((p) => p.split(',')), ...(values.only ?? '').split(',')].map((s) => s.trim()).filter(Boolean);
  const only = named.length > 0 ? named : [...SECTIONS];
  for (const name of only) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
  }
  return {
    only: SECTIONS.filter((s) => only.includes(s)),
    quick,
    generationJobs: int('generation-jobs', 100, 1, 20),
    generationWarmup: int('generation-warmup', 3, 0, 2),
    generationSteps: int('generation-steps', 20, 1),
    generationSize: int('generation-size', 512, 256),
    comfyStepMs: int('comfy-step-ms', 10),
    lifecycleCancels: int('lifecycle-cancels', 20, 1, 6),
    lifecycleStops: int('lifecycle-stops', 3, 1, 2),
    trainingSteps: int('training-steps', 1000, 100, 200),
    trainStepMs: int('train-step-ms', 100),
    idleSeconds: int('idle-seconds', 20, 1, 5),
    photosJpeg: int('photos-jpeg', 30, 0, 10),
    photosHeic: int('photos-heic', 10, 0, 3),
    photoMegapixels: int('photo-megapixels', 12, 1),
    apiConnections: int('api-connections', 50, 1),
    apiSeconds: int('api-seconds', 8, 1, 3),
    scaleJobs: int('scale-jobs', 500, 1, 100),
    scaleSteps: int('scale-steps', 4, 1),
    outDir: path.resolve(PROJECT_ROOT, values.out ?? 'bench-results'),
  };
}

const RUNNERS: Record<SectionName, Section> = {
  startup: startupSection,
  generation: generationSection,
  lifecycle: lifecycleSection,
  training: trainingSection,
  photos: photosSection,
  likeness: likenessSection,
  api: apiSection,
  scale: scaleSection,
};

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let shared: BenchInstance | undefined;
  const instances: BenchInstance[] = [];
  const ctx: BenchContext = {
    options: o,
    async instance() {
      if (!shared) {
        shared = new BenchInstance(instanceEnv(o));
        instances.push(shared);
        say('  starting an all-in-one (npm start on free ports, fast-test mode) ...');
        await shared.start();
      }
      return shared;
    },
    adopt(instance) {
      instances.push(instance);
      shared = instance;
    },
    say,
  };
  let interrupted = false;
  const cleanup = () => instances.forEach((i) => i.cleanup());
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    say('\nInterrupted: stopping the benchmark instances ...');
    cleanup();
    process.exit(130);
  });

  const started = Date.now();
  say(`Isengard benchmarks${o.quick ? ' (quick)' : ''} (${o.only.join(', ')}) on ${os.cpus().length} cores, Node ${process.versions.node}`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  try {
    for (const name of o.only) {
      const sectionStart = Date.now();
      say(`\n[${name}]`);
      try {
        const result = await RUNNERS[name](ctx);
        rows.push(...result.rows);
        details[name] = { ...result.details, seconds: Math.round((Date.now() - sectionStart) / 100) / 10 };
      } catch (err) {
        failures[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
        say(`  FAILED: ${err instanceof Error ? err.message : String(err)}`);
      }
      say(`  (${Math.round((Date.now() - sectionStart) / 1000)} s)`);
    }
  } finally {
    for (const instance of instances) await instance.stop().catch(() => undefined);
    cleanup();
  }

  const seconds = Math.round((Date.now() - started) / 1000);
  say(`\n${renderTable(rows)}\n`);
  mkdirSync(o.outDir, { recursive: true });
  const file = path.join(o.outDir, `results-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  const targets = rows.filter((r) => r.target).map((r) => ({ section: r.section, figure: r.figure, value: r.value, target: r.target, met: meets(r) }));
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: new Date(started).toISOString(),
        seconds,
        machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryBytes: os.totalmem(), node: process.versions.node, platform: `${os.platform()} ${os.release()}` },
        options: o,
        rows: rows.map((r) => ({ ...r, met: meets(r) })),
        targets,
        failures,
        details,
      },
      null,
      2,
    )}\n`,
  );
  say(`Results: ${path.relative(PROJECT_ROOT, file)} (${seconds} s in all)`);
  const missed = targets.filter((t) => t.met === false);
  say(missed.length === 0 ? 'Every target measured was met.' : `Targets missed: ${missed.map((t) => `${t.section} / ${t.figure}`).join('; ')}`);
  if (Object.keys(failures).length > 0) {
    say(`Sections that failed: ${Object.keys(failures).join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  // Open keep-alive sockets and the like must not keep a finished benchmark waiting.
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
