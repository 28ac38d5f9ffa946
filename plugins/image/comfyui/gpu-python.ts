import type { Config } from '../../../lib/config';
import type { EngineGpuPython } from '../../gpu-probe';
import { COMFYUI } from './meta';

/**
 * The Python that runs ComfyUI, for the GPU check at worker start. None to check for the simulator, nor for a
 * ComfyUI that runs elsewhere (COMFYUI_URL): this worker does not start it.
 */
export function comfyUiGpuPython(config: Config): EngineGpuPython | undefined {
  const { simulated, managed, command } = config.comfyui;
  if (!managed && !simulated) return undefined;
  return {
    engine: COMFYUI.id,
    label: COMFYUI.label,
    kind: 'image',
    python: simulated ? undefined : command.executable,
    fixEnvironment:
      "Recreate ComfyUI's environment with a CUDA build of torch (scripts/engines/create-env comfyui --recreate), then restart the GPU worker.",
  };
}
