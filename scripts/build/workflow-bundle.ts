import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/project-root';
import { bundleWorkflows } from './bundle-workflows';

/** `npm run build:workflows`: writes dist/workflows/bundle.js (the container points WORKFLOW_BUNDLE at it). */
const out = await bundleWorkflows(path.join(PROJECT_ROOT, 'dist', 'workflows', 'bundle.js'));
process.stdout.write(`Workflow bundle written to ${path.relative(PROJECT_ROOT, out)}\n`);
