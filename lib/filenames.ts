/** Longest file name shown, in characters; longer ones keep their start and extension. */
export const DISPLAY_FILENAME_MAX = 120;

/**
 * A file name fit to show a person, never to build a path: no folders, no control or invisible formatting
 * characters (bidi overrides could make "gpj.exe" read as "exe.jpg"), whitespace collapsed, length capped.
 */
export function displayFilename(raw: string | undefined): string {
  const base = (raw ?? '').normalize('NFC').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\t\n\v\f\r\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const chars = Array.from(clean);
  if (chars.length === 0) return 'unnamed file';
  if (chars.length <= DISPLAY_FILENAME_MAX) return clean;
  const dot = clean.lastIndexOf('.');
  const extension = dot > 0 && clean.length - dot <= 10 ? Array.from(clean.slice(dot)) : [];
  return `${chars.slice(0, DISPLAY_FILENAME_MAX - extension.length - 1).join('')}…${extension.join('')}`;
}
