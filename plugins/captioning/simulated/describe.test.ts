import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionFor, colourName, framingOf, lookAt } from './describe';
import { createSimulatedCaptioner } from './engine';

/** A person-like picture: a background colour, a "face" block and "clothes" below it. */
async function picture(file: string, o: { width: number; height: number; background: string; clothes: string; face: { x: number; y: number; size: number } }) {
  const { width, height, face } = o;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="${o.background}"/>
    <rect x="${face.x - face.size * 0.8}" y="${face.y + face.size * 1.2}" width="${face.size * 2.6}" height="${height}" fill="${o.clothes}"/>
    <rect x="${face.x}" y="${face.y}" width="${face.size}" height="${face.size}" fill="#e0b090"/>
  </svg>`;
  await sharp(Buffer.from(svg)).jpeg().toFile(file);
  return { path: file, faceBox: { x: face.x, y: face.y, width: face.size, height: face.size } };
}

describe('the simulated captioner looks at the real pixels', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'captions-sim-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names simple colours', () => {
    expect(colourName(20, 40, 200)).toBe('blue');
    expect(colourName(200, 30, 30)).toBe('red');
    expect(colourName(250, 250, 250)).toBe('white');
    expect(colourName(10, 10, 10)).toBe('black');
    expect(colourName(128, 128, 128)).toBe('grey');
    expect(colourName(30, 160, 40)).toBe('green');
    expect(colourName(100, 60, 20)).toBe('brown');
  });

  it('tells framing from the face size', () => {
    expect(framingOf(400, 1000)).toBe('close-up');
    expect(framingOf(200, 1000)).toBe('head-and-shoulders');
    expect(framingOf(50, 1000)).toBe('wide');
  });

  it('a portrait close-up on blue in a red top: short and detailed captions say so, with the trigger word', async () => {
    const image = await picture(path.join(dir, 'a.jpg'), { width: 600, height: 800, background: '#1e3cc8', clothes: '#c81e1e', face: { x: 220, y: 120, size: 300 } });
    const look = await lookAt(image);
    expect(look).toMatchObject({ orientation: 'portrait', framing: 'close-up', background: ['blue'] });
    expect(look.clothes[0]).toBe('red');
    expect(captionFor(look, 'short')).toMatch(/^photo of \[trigger\], close-up, blue background, wearing red/);
    const detailed = captionFor(look, 'detailed');
    expect(detailed).toMatch(/^A close-up of \[trigger\] in portrait format\. The background is mostly blue/);
    expect(detailed).toContain('wearing red');
    expect(detailed.length).toBeGreaterThan(captionFor(look, 'short').length);
  });

  it('a landscape wide shot on green in white: different words for a different photo; no face box, no framing', async () => {
    const image = await picture(path.join(dir, 'b.jpg'), { width: 1200, height: 700, background: '#28a032', clothes: '#f5f5f5', face: { x: 560, y: 200, size: 60 } });
    const look = await lookAt(image);
    expect(look).toMatchObject({ orientation: 'landscape', framing: 'wide', background: ['green'] });
    expect(look.clothes).toContain('white');
    expect((await lookAt({ path: image.path, faceBox: null })).framing).toBeNull();
  });

  it('as an engine: captions every image, reporting each as it comes, and stops when asked', async () => {
    const engine = createSimulatedCaptioner(0);
    expect((await engine.check()).state).toBe('simulated');
    const a = await picture(path.join(dir, 'c.jpg'), { width: 600, height: 800, background: '#1e3cc8', clothes: '#c81e1e', face: { x: 220, y: 120, size: 300 } });
    const seen: string[] = [];
    const images = [{ id: 'one', ...a }, { id: 'two', ...a }];
    const results = await engine.caption({ jobId: 'j', images, style: 'short', workDir: dir, correlationId: undefined }, (r) => seen.push(r.id), new AbortController().signal, undefined as never);
    expect(results.map((r) => r.id)).toEqual(['one', 'two']);
    expect(seen).toEqual(['one', 'two']);
    const stop = new AbortController();
    stop.abort();
    await expect(engine.caption({ jobId: 'j', images, style: 'short', workDir: dir, correlationId: undefined }, () => undefined, stop.signal, undefined as never)).rejects.toThrow();
  });
});
