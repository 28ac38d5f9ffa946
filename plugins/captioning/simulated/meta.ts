import type { EngineMeta } from '../../engine';

/** The fast-test captioner: bump `version` when what it says about a photo changes. */
export const SIMULATED_CAPTIONER: EngineMeta = { kind: 'captioning', id: 'simulated-captioner', label: 'Captioner (simulated)', version: '1' };
