import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the project folder: the nearest one above this module holding package.json, so that it is the
 * same whether this file runs from its source or bundled into dist/server/. Relative paths in the configuration
 * resolve against it.
 */
export const PROJECT_ROOT = projectRootAbove(path.dirname(fileURLToPath(import.meta.url)));

function projectRootAbove(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) throw new Error(`No package.json above ${dir}`);
  }
}
