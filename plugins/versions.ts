import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import type { EngineMeta } from './engine';
import { COMFYUI } from './image/comfyui/meta';
import { AI_TOOLKIT } from './training/ai-toolkit/meta';

/** Every engine's metadata, without loading the engines (the control plane reads these). */
export const ENGINE_METAS: readonly EngineMeta[] = [AI_TOOLKIT, COMFYUI];

function pinnedCommit(id: string): string | undefined {
  try {
    const pins = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'vendor', 'VENDOR_PINS.json'), 'utf8')) as Record<string, { commit?: string }>;
    return pins[id]?.commit;
  } catch {
    return undefined;
  }
}

/**
 * What a run or a LoRA records about the engine that made it: the adapter's version and the engine's pinned commit,
 * `ai-toolkit@1+27a03a9`.
 */
export function engineVersion(meta: EngineMeta): string {
  const commit = pinnedCommit(meta.id);
  return `${meta.id}@${meta.version}${commit ? `+${commit.slice(0, 7)}` : ''}`;
}
