import type { EnginePlugin } from '../engine';

/**
 * A training engine (design §5). Workflows and activities reach engines only through the registry and this
 * interface. The run/stop/save-now operations join it with the LoRA training capability.
 */
export interface TrainingEngine extends EnginePlugin {
  readonly kind: 'training';
}
