import { describe, expect, it } from 'vitest';
import type { DetectedFace } from '../interface';
import { cutTile, fromTile, mergeTileFaces, searchTiles } from './small-faces';

const face = (x: number, y: number, side: number, confidence: number): DetectedFace => ({
  box: { x, y, width: side, height: side },
  confidence,
  landmarks: [{ x: x + side / 2, y: y + side / 2 }],
  embedding: [confidence],
});

describe('looking for small faces in overlapping halves', () => {
  it.each([
    [1536, 2048],
    [2048, 1365],
    [700, 700],
    [300, 2048],
  ])('covers every pixel of a %i × %i image with tiles of half its long side', (width, height) => {
    const tiles = searchTiles(width, height);
    const side = Math.ceil(Math.max(width, height) / 2);
    const covered = new Uint8Array(width * height);
    for (const tile of tiles) {
      expect(tile.x + tile.width).toBeLessThanOrEqual(width);
      expect(tile.y + tile.height).toBeLessThanOrEqual(height);
      expect(Math.max(tile.width, tile.height)).toBeLessThanOrEqual(side);
      for (let y = tile.y; y < tile.y + tile.height; y++) covered.fill(1, y * width + tile.x, y * width + tile.x + tile.width);
    }
    expect(covered.every((pixel) => pixel === 1)).toBe(true);
    expect(tiles.length).toBeLessThanOrEqual(6);
  });

  it('cuts a tile row by row', () => {
    const image = { pixels: Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i), width: 4, height: 3, scale: 1 };
    const tile = cutTile(image, { x: 1, y: 1, width: 2, height: 2 });
    expect(Array.from(tile.pixels)).toEqual([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });

  it('keeps one detection per face where tiles overlap, the most confident, and moves it into the whole image', () => {
    const inFirst = fromTile(face(900, 400, 40, 0.8), { x: 0, y: 0, width: 1024, height: 1024 });
    const inSecond = fromTile(face(388, 402, 40, 0.9), { x: 512, y: 0, width: 1024, height: 1024 });
    const elsewhere = fromTile(face(10, 10, 40, 0.85), { x: 0, y: 1000, width: 1024, height: 1024 });
    expect(inSecond.box.x).toBe(900);
    expect(inSecond.landmarks[0]).toEqual({ x: 920, y: 422 });
    const merged = mergeTileFaces([inFirst, inSecond, elsewhere]);
    expect(merged.map((f) => f.confidence)).toEqual([0.9, 0.85]);
  });
});
