import { fileURLToPath } from 'node:url';

/** Absolute path of the project folder (the one holding package.json). Relative paths in the configuration resolve against it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
