import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { heifOrientation } from './heif-orientation';

const box = (type: string, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};
const fullBox = (type: string, version: number, ...content: Buffer[]) =>
  box(type, Buffer.from([version, 0, 0, 0]), ...content);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => Buffer.from([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

/**
 * A minimal HEIF: item 1 is a thumbnail without transforms, item `primary` the picture, with the given
 * transform properties associated in order.
 */
function heif(primary: number, transforms: Buffer[]): Buffer {
  const ispe = fullBox('ispe', 0, u32(640), u32(480));
  const properties = [ispe, ...transforms];
  const ipma = fullBox(
    'ipma',
    0,
    u32(2),
    u16(1), Buffer.from([1, 0x81]),
    u16(primary), Buffer.from([properties.length, ...properties.map((_, i) => i + 1)]),
  );
  return Buffer.concat([
    box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')),
    fullBox('meta', 0, fullBox('pitm', 0, u16(primary)), box('iprp', box('ipco', ...properties), ipma)),
    box('mdat', Buffer.alloc(16)),
  ]);
}
const irot = (quarterTurns: number) => box('irot', Buffer.from([quarterTurns]));
const imir = (axis: number) => box('imir', Buffer.from([axis]));

describe('heifOrientation', () => {
  it('turns the primary image’s irot/imir into the matching EXIF orientation', () => {
    expect(heifOrientation(heif(2, []))).toBe(1);
    expect(heifOrientation(heif(2, [irot(3)]))).toBe(6); // 270° anticlockwise = a quarter clockwise
    expect(heifOrientation(heif(2, [irot(1)]))).toBe(8);
    expect(heifOrientation(heif(2, [irot(2)]))).toBe(3);
    expect(heifOrientation(heif(2, [imir(0)]))).toBe(2);
    expect(heifOrientation(heif(2, [imir(1)]))).toBe(4);
    expect(heifOrientation(heif(2, [irot(1), imir(0)]))).toBe(7);
    expect(heifOrientation(heif(2, [irot(3), imir(0)]))).toBe(5);
  });

  it('reads upright for files without transforms, and for malformed ones', () => {
    expect(heifOrientation(readFileSync(new URL('../../test/fixtures/photos/upright.heic', import.meta.url)))).toBe(1);
    expect(heifOrientation(heif(2, [irot(3)]).subarray(0, 60))).toBe(1);
    expect(heifOrientation(Buffer.from('not a heif at all'))).toBe(1);
    expect(heifOrientation(Buffer.alloc(0))).toBe(1);
  });
});
