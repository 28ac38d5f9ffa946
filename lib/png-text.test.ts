import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { addPngText, pngSize, readPngText } from './png-text';

describe('PNG text chunks', () => {
  it('adds UTF-8 text that survives a round trip and keeps the image valid', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } }).png().toBuffer();
    const tagged = addPngText(png, { parameters: '{"prompt":"Zoë, 🎨 portrait","seed":42}', software: 'Isengard' });
    expect(readPngText(tagged)).toEqual({ parameters: '{"prompt":"Zoë, 🎨 portrait","seed":42}', software: 'Isengard' });
    expect(pngSize(tagged)).toEqual({ width: 40, height: 30 });
    // libpng verifies every chunk's CRC while decoding.
    const { info } = await sharp(tagged).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([40, 30]);
  });

  it('refuses what is not a PNG', () => {
    expect(() => addPngText(Buffer.from('GIF89a-not-a-png-at-all-really-not'), {})).toThrow('Not a PNG file');
  });
});
