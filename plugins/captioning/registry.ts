import type { Config } from '../../lib/config';
import { createAiToolkitCaptioner } from './ai-toolkit/engine';
import type { CaptioningEngine } from './interface';
import { createSimulatedCaptioner } from './simulated/engine';

/** The captioning engines, the one to use first: chosen by the mode, like the other engines' simulators. */
export function createCaptioningEngines(config: Config): CaptioningEngine[] {
  return config.mode === 'fast-test' ? [createSimulatedCaptioner()] : [createAiToolkitCaptioner(config)];
}
