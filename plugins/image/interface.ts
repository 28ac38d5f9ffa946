import type { EnginePlugin } from '../engine';

/** An image generation engine (design §5); generation operations join it with the generation capability. */
export interface ImageEngine extends EnginePlugin {
  readonly kind: 'image';
}
