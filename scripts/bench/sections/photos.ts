import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TrainingRun } from '../../../lib/contracts/training';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { api } from '../lib/instance';
import { cameraJpegs, HEIC_FIXTURE } from '../lib/pictures';
import { peakRssBytes, resetPeakRss, rssBytes, sampleRss } from '../lib/proc';
import { openSse } from '../lib/sse';
import { round, sleep } from '../lib/stats';
import type { BenchContext, SectionResult } from '../lib/types';
import { createCharacter, uploadPhotos } from '../lib/upload';

const MB = 1024 * 1024;
/**
 * How long after intake the control plane's memory is read again: what it keeps, not what it held on the way
 * (V8 and the allocator give memory back some 20 s after work stops, so not less, not even with --quick).
 */
const IDLE_AFTER_S = 30;

async function barePipeline(files: string[]): Promise<{ jpegSeconds: number; heicSeconds: number; peakRssBytes: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'bench', 'bare-photos.ts'), ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bare-photos exited with ${code}`);
  return JSON.parse(out.trim()) as { jpegSeconds: number; heicSeconds: number; peakRssBytes: number | null };
}

/** Starts a training run, waits until its dataset is written, stops it; the seconds the dataset took. */
async function datasetPreparation(base: string, characterId: string): Promise<{ seconds: number; photos: number }> {
  const run = await api<TrainingRun>(base, 'POST', `/api/characters/${characterId}/trainings`, { preset: 'quick', confirmFewPhotos: true });
  let stopAsked = false;
  const result = await new Promise<{ seconds: number; photos: number }>((resolve, reject) => {
    let measured: { seconds: number; photos: number } | undefined;
    const timer = setTimeout(() => reject(new Error('The dataset was not prepared within 120 s')), 120_000);
    const stream = openSse(`${base}/api/trainings/${run.id}/events`, (event) => {
      const r = JSON.parse(event.data) as TrainingRun;
      const preparing = r.events.find((e) => e.kind === 'preparing');
      const dataset = r.events.find((e) => e.kind === 'dataset');
      if (!measured && preparing && dataset) {
        measured = { seconds: (Date.parse(dataset.at) - Date.parse(preparing.at)) / 1000, photos: Number(/(\d+) photos/.exec(dataset.message)?.[1] ?? 0) };
        if (!stopAsked) {
          stopAsked = true;
          void api(base, 'POST', `/api/trainings/${run.id}/stop`).catch(() => undefined);
        }
      }
      if (['completed', 'failed', 'stopped'].includes(r.status)) {
        clearTimeout(timer);
        stream.close();
        if (measured) resolve(measured);
        else reject(new Error(`The training ended ${r.status} before its dataset was ready`));
      }
    });
    stream.opened.catch(reject);
  });
  return result;
}

/**
 * 3. Photo intake: JPEGs of a camera's size with EXIF rotation and HEIC photos through upload, checks and dataset
 * preparation; seconds and the control plane's peak memory, next to a bare sharp pipeline doing the same pixel work.
 */
export async function photosSection(ctx: BenchContext): Promise<SectionResult> {
  const { options: o } = ctx;
  ctx.say(`  making ${o.photosJpeg} photo-like ${o.photoMegapixels} MP JPEGs with EXIF orientation 6 (cached in tmp/bench/pictures) ...`);
  const jpegs = await cameraJpegs(o.photosJpeg, o.photoMegapixels, 6, 100);
  const heics = Array.from({ length: o.photosHeic }, () => HEIC_FIXTURE);
  const instance = await ctx.instance();
  const base = instance.url;
  const { controlPlane } = instance.pids();

  const character = await createCharacter(base, 'Bench Intake');
  const idleRss = rssBytes(controlPlane) ?? 0;
  const kernelPeak = resetPeakRss(controlPlane);
  const sampler = sampleRss([controlPlane], 25);

  ctx.say(`  uploading ${jpegs.length} JPEGs, then ${heics.length} HEIC ...`);
  let started = performance.now();
  const jpegResult = jpegs.length ? await uploadPhotos(base, character.id, jpegs) : { accepted: [], rejected: [] };
  const jpegSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const heicResult = heics.length ? await uploadPhotos(base, character.id, heics) : { accepted: [], rejected: [] };
  const heicSeconds = (performance.now() - started) / 1000;
  ctx.say('  preparing a training dataset from them ...');
  const dataset = await datasetPreparation(base, character.id);
  const sampled = sampler.stop();
  const peak = Math.max(kernelPeak ? (peakRssBytes(controlPlane) ?? 0) : 0, sampled.peakTotal);
  ctx.say(`  the control plane's memory ${IDLE_AFTER_S} s later ...`);
  await sleep(IDLE_AFTER_S * 1000);
  const idleAfter = rssBytes(controlPlane) ?? 0;

  ctx.say('  the same pixel work with a bare sharp pipeline ...');
  const bare = await barePipeline([...jpegs, ...heics]);
  const accepted = jpegResult.accepted.length + heicResult.accepted.length;
  const rejected = [...jpegResult.rejected, ...heicResult.rejected];
  const jpegRate = jpegs.length / jpegSeconds;
  const sample = jpegResult.accepted[0];
  return {
    rows: [
      {
        section: 'photos',
        figure: `${o.photoMegapixels} MP JPEG (EXIF 6) intake rate`,
        value: round(jpegRate, 1),
        unit: 'photos/s',
        anchor: { label: 'bare sharp', value: round(jpegs.length / bare.jpegSeconds, 1) },
        target: { op: '>=', value: 10 },
        note: `${jpegs.length} JPEGs in ${round(jpegSeconds, 2)} s (bare ${round(bare.jpegSeconds, 2)} s); stored as ${sample ? `${sample.width}×${sample.height}` : '?'}`,
      },
      {
        section: 'photos',
        figure: `${heics.length} HEIC intake`,
        value: round(heicSeconds, 2),
        unit: 's',
        anchor: { label: 'bare sharp + heic-decode', value: round(bare.heicSeconds, 2) },
        note: 'the repository HEIC fixture (640×480) each time: no HEIC encoder is at hand to make camera-sized ones',
      },
      {
        section: 'photos',
        figure: `dataset preparation (${dataset.photos} photos)`,
        value: round(dataset.seconds, 2),
        unit: 's',
      },
      {
        section: 'photos',
        figure: 'control plane peak RSS during intake',
        value: round(peak / MB),
        unit: 'MB',
        anchor: { label: 'bare pipeline peak RSS', value: bare.peakRssBytes === null ? null : round(bare.peakRssBytes / MB) },
        note: `${round(idleRss / MB)} MB before; ${accepted} accepted, ${rejected.length} rejected${rejected.length ? ` (${rejected[0]!.reason})` : ''}`,
      },
      {
        section: 'photos',
        figure: 'control plane RSS once idle after intake',
        value: round(idleAfter / MB),
        unit: 'MB',
        anchor: { label: 'before intake', value: round(idleRss / MB) },
        note: `${IDLE_AFTER_S} s after the last photo and the dataset`,
      },
    ],
    details: {
      jpegs: jpegs.length,
      heics: heics.length,
      megapixels: o.photoMegapixels,
      jpegSeconds,
      heicSeconds,
      jpegPhotosPerSecond: jpegRate,
      datasetSeconds: dataset.seconds,
      datasetPhotos: dataset.photos,
      controlPlaneIdleRssBytes: idleRss,
      controlPlanePeakRssBytes: peak,
      controlPlaneIdleAfterRssBytes: idleAfter,
      idleAfterSeconds: IDLE_AFTER_S,
      kernelPeakMark: kernelPeak,
      storedSize: sample ? { width: sample.width, height: sample.height, bytes: sample.sizeBytes } : null,
      accepted,
      rejected,
      bare,
    },
  };
}
