import type { EnginePlugin } from '../engine';

/** A video engine. Video is "in development": the interface exists, no engine is registered and nothing runs. */
export interface VideoEngine extends EnginePlugin {
  readonly kind: 'video';
}
