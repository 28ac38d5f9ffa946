/**
 * The ai-toolkit simulator's painter (Python's standard library cannot decode the dataset's JPEGs): run once per
 * sampling round by aitk_sim/samples.py as `node render-sample.mjs`, with a job as JSON on stdin:
 *
 *   { "dataset": [image paths],
 *     "samples": [{ "out", "format": "jpg"|"png", "comment", "width", "height", "fidelity", "copy", "photo",
 *                   "generic", "framing", "grade" }],
 *     "portrait": true }
 *
 * Each sample is written to `out` (a JPEG with `comment` in a COM segment, or a PNG with it in a `Comment` text
 * chunk): dataset photo number `photo` (modulo the readable ones) drawn by face-picture.mjs. With `portrait`, stdout
 * is `{"portrait": <base64 JPEG of the first readable photo's face, or null>}`, for the LoRA file. Exit 1 on failure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { facePicture, personPortrait, portraitJpeg } from './face-picture.mjs';

function withJpegComment(jpeg, comment) {
  const body = Buffer.from(comment, 'latin1');
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

function withPngComment(png, comment) {
  const data = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.from(comment, 'latin1')]);
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), data]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(data.length, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 4 + body.length);
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** The dataset's photos that sharp reads (their headers only), in the order given. */
async function readablePhotos(paths) {
  const photos = [];
  for (const file of paths) {
    try {
      await sharp(file).metadata();
      photos.push(file);
    } catch {
      // not an image sharp reads: the simulator draws from the others
    }
  }
  return photos;
}

const job = JSON.parse(readFileSync(0, 'utf8'));
const photos = await readablePhotos(job.dataset ?? []);
const portraits = new Map();
const portraitOf = async (i) => {
  if (!portraits.has(i)) portraits.set(i, await personPortrait(photos[i]));
  return portraits.get(i);
};

for (const s of job.samples ?? []) {
  const person = photos.length ? await portraitOf(((s.photo % photos.length) + photos.length) % photos.length) : null;
  const pixels = await facePicture({ ...s, person });
  const image = sharp(pixels, { raw: { width: s.width, height: s.height, channels: 3 } });
  const file = s.format === 'png'
    ? withPngComment(await image.png().toBuffer(), s.comment)
    : withJpegComment(await image.jpeg({ quality: 90 }).toBuffer(), s.comment);
  writeFileSync(s.out, file);
}
if (job.portrait) {
  const portrait = photos.length ? (await portraitJpeg(photos[0])).toString('base64') : null;
  process.stdout.write(JSON.stringify({ portrait }));
}
