import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { PROJECT_ROOT } from '../../../lib/project-root';
import { comfyArgs, comfyFolders, modelPathsYaml } from './server-process';

describe('the production ComfyUI a GPU worker starts (issue: production path asserted)', () => {
  const config = loadConfig({ ISENGARD_MODE: 'production', DATA_DIR: '/data', GPU_WORKER_ID: 'pod-gpu0', COMFYUI_PORT: '8190' });
  const folders = comfyFolders(config);

  it('runs main.py from the pinned checkout with its own Python, on loopback, with our folders', () => {
    expect(config.comfyui).toMatchObject({
      managed: true,
      simulated: false,
      path: path.join(PROJECT_ROOT, 'vendor', 'comfyui'),
      command: { executable: path.join(PROJECT_ROOT, 'vendor', 'comfyui', 'venv', 'bin', 'python'), args: ['main.py'] },
    });
    expect(comfyArgs(config, folders)).toEqual([
      'main.py',
      '--listen', '127.0.0.1',
      '--port', '8190',
      '--disable-auto-launch',
      '--disable-api-nodes',
      '--preview-method', 'none',
      '--output-directory', '/data/comfyui/pod-gpu0/output',
      '--input-directory', '/data/comfyui/pod-gpu0/input',
      '--temp-directory', '/data/comfyui/pod-gpu0',
      '--extra-model-paths-config', '/data/comfyui/pod-gpu0/extra_model_paths.yaml',
    ]);
  });

  it('maps the LoRA folder and the base models through extra_model_paths.yaml, searched first', () => {
    expect(modelPathsYaml(config, folders)).toEqual({
      isengard: {
        base_path: '/data/models',
        is_default: true,
        loras: 'loras',
        diffusion_models: 'base/diffusion_models',
        text_encoders: 'base/text_encoders',
        vae: 'base/vae',
        checkpoints: 'base/checkpoints',
      },
    });
  });

  it('in fast-test mode runs the simulator with the same flags, plus stand-in base model files', () => {
    const fast = loadConfig({ DATA_DIR: '/data', GPU_WORKER_ID: 'w' });
    expect(fast.comfyui.simulated).toBe(true);
    expect(fast.comfyui.command.args.at(-1)).toBe(path.join(PROJECT_ROOT, 'plugins', 'image', 'comfyui', 'simulator', 'server.ts'));
    expect(Object.keys(modelPathsYaml(fast, comfyFolders(fast)))).toEqual(['isengard', 'simulated_base_models']);
  });
});
