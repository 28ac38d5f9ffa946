import { describe, expect, it } from 'vitest';
import { DISPLAY_FILENAME_MAX, displayFilename } from './filenames';

describe('displayFilename', () => {
  it('keeps ordinary and unicode names as they are', () => {
    expect(displayFilename('IMG_1234.JPG')).toBe('IMG_1234.JPG');
    expect(displayFilename('Zoë à la plage 🏖️.heic')).toBe('Zoë à la plage 🏖️.heic');
    expect(displayFilename('زينب.jpg')).toBe('زينب.jpg');
  });

  it('drops folders, control characters and bidi overrides', () => {
    expect(displayFilename('../../etc/passwd')).toBe('passwd');
    expect(displayFilename('C:\\Users\\first\\Pictures\\me.jpg')).toBe('me.jpg');
    expect(displayFilename('photo\u202Egpj.exe')).toBe('photogpj.exe');
    expect(displayFilename('a\u0000b\nc\td.jpg')).toBe('ab c d.jpg');
    expect(displayFilename('  spaced   out .jpg ')).toBe('spaced out .jpg');
  });

  it('names nameless files and shortens long names, keeping the extension', () => {
    expect(displayFilename(undefined)).toBe('unnamed file');
    expect(displayFilename('/\u200B/')).toBe('unnamed file');
    const long = displayFilename(`${'x'.repeat(300)}.jpeg`);
    expect(Array.from(long)).toHaveLength(DISPLAY_FILENAME_MAX);
    expect(long.endsWith('….jpeg')).toBe(true);
    expect(Array.from(displayFilename('😀'.repeat(200)))).toHaveLength(DISPLAY_FILENAME_MAX);
  });
});
