import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * The shared secret GPU workers present to the control plane's internal API: ISENGARD_INTERNAL_TOKEN, or one
 * generated on first use and kept on the shared storage (readable by the owner only), where every process finds it.
 */
export function internalToken(config: Config): string {
  if (config.internalToken) return config.internalToken;
  const file = path.join(config.storage.root, '.internal-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return readFileSync(file, 'utf8').trim();
  }
}
