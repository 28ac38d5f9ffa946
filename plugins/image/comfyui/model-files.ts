import { randomUUID } from 'node:crypto';
import { mkdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationParams } from '../../../lib/contracts/generations';
import { within } from '../../../lib/storage';
import { ImageEngineError } from '../interface';
import { loraName, type Graph } from './graphs';

/** The loader inputs of our graphs, and the ComfyUI model folder (`folder_paths` name) each names a file in. */
const LOADER_FOLDERS: Record<string, string> = {
  unet_name: 'diffusion_models',
  clip_name1: 'text_encoders',
  clip_name2: 'text_encoders',
  vae_name: 'vae',
  ckpt_name: 'checkpoints',
  lora_name: 'loras',
};

/** The model files a graph loads, as `folder/name`. */
export function graphModelFiles(graph: Graph): Array<{ folder: string; name: string }> {
  const files = new Map<string, { folder: string; name: string }>();
  for (const node of Object.values(graph)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      const folder = LOADER_FOLDERS[input];
      if (folder && typeof value === 'string') files.set(`${folder}/${value}`, { folder, name: value });
    }
  }
  return [...files.values()];
}

/** Which file this is on disk: a download or a registration that replaces it changes at least one of these. */
async function identity(dirs: string[], name: string): Promise<string> {
  for (const dir of dirs) {
    try {
      const s = await stat(path.join(dir, name));
      if (s.isFile()) return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      // not in this folder: ComfyUI searches the next one
    }
  }
  return 'absent';
}

/**
 * ComfyUI keeps a loaded model in its node cache by file name (comfyui.md §10): a file replaced under the same
 * name is not read again until `POST /free`. This remembers which file each name was when it was last submitted,
 * so the engine frees ComfyUI's cache before a graph that names a file replaced since.
 */
export class SubmittedModelFiles {
  private readonly submitted = new Map<string, string>();

  /** `dirs(folder)`: where ComfyUI looks for that kind of model, in its search order. */
  constructor(private readonly dirs: (folder: string) => string[]) {}

  /** The files of `graph` replaced since they were last submitted; records them as submitted now. */
  async replacedBefore(graph: Graph): Promise<string[]> {
    const replaced: string[] = [];
    for (const { folder, name } of graphModelFiles(graph)) {
      const key = `${folder}/${name}`;
      const now = await identity(this.dirs(folder), name);
      const before = this.submitted.get(key);
      if (before !== undefined && before !== now) replaced.push(key);
      this.submitted.set(key, now);
    }
    return replaced;
  }
}

/**
 * Makes a training checkpoint loadable as a LoRA: a relative symbolic link to it in Isengard's folder inside the LoRA
 * folder (`loraName`). A link rather than a search path on the training folder: ComfyUI then lists the checkpoints
 * generated with and nothing else (not the trainer's optimizer state, a `.pt` it would take for a LoRA), its file list
 * cache is not made stale by every file the trainer writes, and a pruned checkpoint's space is freed (a symbolic link,
 * not a hard one). `stat` follows the link, so a checkpoint written again makes `SubmittedModelFiles` free ComfyUI's
 * cache. A checkpoint pruned since the generation was asked for fails it plainly (ComfyUI would still list the dangling
 * link and fail only when loading it).
 */
export async function linkCheckpointLora(dataRoot: string, lorasDir: string, lora: NonNullable<GenerationParams['lora']>): Promise<void> {
  if (!lora.checkpoint) return;
  const target = within(dataRoot, lora.fileName);
  const link = path.join(lorasDir, loraName(lora));
  if (!(await stat(target).catch(() => null))?.isFile()) {
    await rm(link, { force: true });
    const which = lora.checkpoint.final ? 'The final checkpoint' : `The checkpoint at step ${lora.checkpoint.step}`;
    throw new ImageEngineError(
      'missing_model',
      `${which} of this training run no longer exists: the trainer keeps only the newest few. Choose another checkpoint, or keep one as a version so it stays.`,
      false,
    );
  }
  const relativeTarget = path.relative(path.dirname(link), target);
  if ((await readlink(link).catch(() => null)) === relativeTarget) return;
  await mkdir(path.dirname(link), { recursive: true });
  const staged = `${link}.${randomUUID().slice(0, 8)}.link`;
  await symlink(relativeTarget, staged);
  await rename(staged, link).finally(() => rm(staged, { force: true }));
}
