import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';
import { buildServer, SERVER_BUILD_DIR } from '../setup/server-build.mjs';

/** `npm run build:server`: writes dist/server/*.mjs, which the supervisor runs while they are fresh. */
await buildServer();
process.stdout.write(`Server code built into ${path.relative(PROJECT_ROOT, SERVER_BUILD_DIR)}\n`);
