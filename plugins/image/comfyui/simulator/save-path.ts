/**
 * Output naming (spec §4.5, `folder_paths.get_save_image_path`) and the Python path helpers it needs:
 * `prefix_00001_.png`, the counter = 1 + the highest existing counter for that prefix in that folder, subfolders
 * from the prefix, `%width%`-style expansions, and an error for prefixes escaping the output directory.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { normpath } from './model-folders';
import { PyError, pyInt } from './py';

/** `os.path.dirname` (POSIX). */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** `os.path.basename` (POSIX). */
export const pyBasename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** `os.path.join` (POSIX): an absolute component restarts the path. */
export function pyJoin(...parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (part.startsWith('/')) out = part;
    else if (out === '' || out.endsWith('/')) out += part;
    else out += `/${part}`;
  }
  return out;
}

/** `os.path.normpath`, with Python's '' -> '.' */
export const pyNormpath = (p: string): string => (p === '' ? '.' : normpath(p));

/** `os.path.commonpath((root, abspath(candidate))) == root` for an absolute, normalised root. */
export function isInside(root: string, candidate: string): boolean {
  const abs = path.resolve(candidate);
  return abs === root || abs.startsWith(root.endsWith('/') ? root : `${root}/`);
}

export interface SavePath {
  fullOutputFolder: string;
  filename: string;
  counter: number;
  subfolder: string;
  filenamePrefix: string;
}

const two = (n: number) => String(n).padStart(2, '0');

function computeVars(input: string, width: number, height: number): string {
  const now = new Date();
  return input
    .replaceAll('%width%', String(width))
    .replaceAll('%height%', String(height))
    .replaceAll('%year%', String(now.getFullYear()))
    .replaceAll('%month%', two(now.getMonth() + 1))
    .replaceAll('%day%', two(now.getDate()))
    .replaceAll('%hour%', two(now.getHours()))
    .replaceAll('%minute%', two(now.getMinutes()))
    .replaceAll('%second%', two(now.getSeconds()));
}

function commonPath(a: string, b: string): string {
  const pa = a.split('/');
  const pb = b.split('/');
  const out: string[] = [];
  for (let k = 0; k < Math.min(pa.length, pb.length) && pa[k] === pb[k]; k++) out.push(pa[k]!);
  return out.join('/') || '/';
}

export function getSaveImagePath(filenamePrefix: string, outputDir: string, imageWidth = 0, imageHeight = 0): SavePath {
  let prefix = filenamePrefix;
  if (prefix.includes('%')) prefix = computeVars(prefix, imageWidth, imageHeight);
  const subfolder = pyDirname(pyNormpath(prefix));
  const filename = pyBasename(pyNormpath(prefix));
  const fullOutputFolder = pyJoin(outputDir, subfolder);
  const abs = path.resolve(fullOutputFolder);
  if (!isInside(outputDir, fullOutputFolder)) {
    throw new PyError(
      'Exception',
      '**** ERROR: Saving image outside the output folder is not allowed.' +
        `\n full_output_folder: ${abs}` +
        `\n         output_dir: ${outputDir}` +
        `\n         commonpath: ${commonPath(outputDir, abs)}`,
    );
  }
  const prefixLen = pyBasename(prefix).length;
  let counter = 1;
  try {
    let best: [number, string] | null = null;
    for (const f of readdirSync(fullOutputFolder)) {
      const head = f.slice(0, prefixLen + 1);
      let digits = 0;
      try {
        digits = Number(pyInt(f.slice(prefixLen + 1).split('_')[0]!));
      } catch {
        digits = 0;
      }
      if (head.slice(0, -1) === filename && head.endsWith('_')) {
        if (!best || digits > best[0] || (digits === best[0] && head > best[1])) best = [digits, head];
      }
    }
    if (best) counter = best[0] + 1;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(fullOutputFolder, { recursive: true });
    counter = 1;
  }
  return { fullOutputFolder, filename, counter, subfolder, filenamePrefix: prefix };
}
