import type { EngineMeta } from '../../engine';

/**
 * ai-toolkit's Qwen3-VL captioner as Isengard runs it. Bump `version` when the prompts, the model or the settings
 * of plugins/captioning/ai-toolkit/job-config.ts change what it writes.
 */
export const AI_TOOLKIT_CAPTIONER: EngineMeta = { kind: 'captioning', id: 'ai-toolkit-captioner', label: 'ai-toolkit captioner (Qwen3-VL)', version: '1' };
