import type { EngineMeta } from '../../engine';

/** ComfyUI's adapter. `version` says how it generates (graphs, samplers): bump it when that changes. */
export const COMFYUI: EngineMeta = { kind: 'image', id: 'comfyui', label: 'ComfyUI', version: '1' };
