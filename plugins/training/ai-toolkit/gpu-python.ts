import type { Config } from '../../../lib/config';
import type { EngineGpuPython } from '../../gpu-probe';
import { AI_TOOLKIT } from './meta';

/** The Python that runs ai-toolkit, for the GPU check at worker start; the simulator uses no GPU. */
export function aiToolkitGpuPython(config: Config): EngineGpuPython {
  const { python, simulated } = config.aitoolkit;
  return {
    engine: AI_TOOLKIT.id,
    label: AI_TOOLKIT.label,
    kind: 'training',
    python: simulated ? undefined : python,
    fixEnvironment:
      "Recreate ai-toolkit's environment with a CUDA build of torch (scripts/engines/create-env ai-toolkit --recreate), then restart the GPU worker.",
  };
}
