import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BaseModelSpec } from './catalogue';

/** Whether every file of `model` is in place under `baseDir`: a file is renamed into place only once it is verified. */
export function isProvisioned(model: Pick<BaseModelSpec, 'files'>, baseDir: string): boolean {
  return model.files.every((f) => existsSync(path.join(baseDir, f.target)));
}
