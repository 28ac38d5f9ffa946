import type { EngineMeta } from '../../engine';

/**
 * ai-toolkit's adapter. `version` says how it trains: bump it whenever anything beyond configuration, I/O, logging
 * and process control changes what the engine does (design §1.9), and say why in the README ("Engine versions").
 * Every run and LoRA records it.
 */
export const AI_TOOLKIT: EngineMeta = { kind: 'training', id: 'ai-toolkit', label: 'ai-toolkit', version: '1' };
