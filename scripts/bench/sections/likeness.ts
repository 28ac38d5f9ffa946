import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { decodeToRgb } from '../../../plugins/identity/decode-image';
import { createFaceApiScorer } from '../../../plugins/identity/face-api/scorer';
import { FACE_API_MAX_SIDE } from '../../../plugins/identity/face-api/meta';
import { rssBytes } from '../lib/proc';
import { round } from '../lib/stats';
import type { BenchContext, Row, SectionResult } from '../lib/types';

const MB = 1024 * 1024;
const require = createRequire(import.meta.url);

/** face-api's own sample photos (people, 1–6 faces each), each made 1024 px on its long side: photos as the checks see them. */
async function photos(count: number): Promise<Buffer[]> {
  const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  const sources = readdirSync(demo).filter((f) => /^sample\d\.jpg$/.test(f)).sort();
  const sized = await Promise.all(
    sources.map((f) => sharp(readFileSync(path.join(demo, f))).resize(1024, 1024, { fit: 'inside' }).jpeg({ quality: 90 }).toBuffer()),
  );
  return Array.from({ length: count }, (_, i) => sized[i % sized.length]!);
}

/**
 * The identity scorer (issue 23): model load, photos scored per second at 1024 px on its worker threads (the
 * anchor: decoding and shrinking the same photos, the part any pipeline pays), and the memory its models take
 * in the process that scores (the anchor: the same process before).
 */
export async function likenessSection(ctx: BenchContext): Promise<SectionResult> {
  const count = ctx.options.quick ? 12 : 48;
  const images = await photos(count);
  const rssBefore = rssBytes(process.pid) ?? 0;

  const decodeStart = performance.now();
  for (const image of images) await decodeToRgb(image, FACE_API_MAX_SIDE);
  const decodeSeconds = (performance.now() - decodeStart) / 1000;

  const loads: number[] = [];
  const scorer = createFaceApiScorer({ onModelLoaded: (ms) => loads.push(ms) });
  try {
    // Every worker thread loads its models at its first photo: warm them all up first, then measure.
    await Promise.all(images.slice(0, 4).map((image) => scorer.detect(image)));
    const rssLoaded = rssBytes(process.pid) ?? 0;
    const start = performance.now();
    const found = await Promise.all(images.map((image) => scorer.detect(image)));
    const seconds = (performance.now() - start) / 1000;
    const rssAfter = rssBytes(process.pid) ?? 0;
    const faces = found.reduce((sum, f) => sum + f.length, 0);
    ctx.say(`  ${count} photos, ${faces} faces, ${round(seconds, 2)} s; model loads ${loads.map((ms) => Math.round(ms)).join(', ')} ms`);
    const rows: Row[] = [
      {
        section: 'likeness',
        figure: 'photos scored per second (1024 px, faces + embeddings)',
        value: round(count / seconds, 2),
        unit: '/s',
        anchor: { label: 'decode + shrink only', value: round(count / decodeSeconds, 1), unit: '/s' },
      },
      {
        section: 'likeness',
        figure: 'model load per worker thread',
        value: loads.length ? Math.round(Math.max(...loads)) : null,
        unit: 'ms',
      },
      {
        section: 'likeness',
        figure: 'process RSS with the models loaded, after scoring',
        value: round(rssAfter / MB, 0),
        unit: 'MB',
        anchor: { label: 'the same process before', value: round(rssBefore / MB, 0), unit: 'MB' },
        note: `${loads.length} worker thread(s); ${round(rssLoaded / MB, 0)} MB once loaded`,
      },
    ];
    return { rows, details: { count, faces, seconds, decodeSeconds, modelLoadMs: loads, rssBefore, rssLoaded, rssAfter } };
  } finally {
    await scorer.close();
  }
}
