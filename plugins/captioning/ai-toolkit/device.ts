import type { Config } from '../../../lib/config';
import { probeGpu } from '../../gpu-probe';
import { aiToolkitGpuPython } from '../../training/ai-toolkit/gpu-python';

export type CaptionDevice = 'cuda' | 'cpu';

/**
 * The torch device a caption job names. ai-toolkit's trainer finds the GPU by itself, but its captioner moves the
 * model to the device of its job, and `cuda` where torch has no usable GPU ends the job ("Found no NVIDIA driver").
 * Without ALLOW_CPU_ENGINES that is `cuda` (the worker's GPU check refuses the job when there is none); with it, the
 * engine's own Python says whether CUDA is usable (plugins/gpu_probe.py), asked once.
 */
export function captionDeviceOf(config: Config): () => Promise<CaptionDevice> {
  let device: Promise<CaptionDevice> | undefined;
  return () => {
    if (!config.gpu.allowCpu) return Promise.resolve('cuda');
    device ??= probeGpu({ ...aiToolkitGpuPython(config), python: config.aitoolkit.python }).then((probe) => (probe.state === 'usable' ? 'cuda' : 'cpu'));
    return device;
  };
}
