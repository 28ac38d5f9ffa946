/**
 * ComfyUI's model search paths as the product sets them (comfyui.md §4.4, §6): the sections of
 * `extra_model_paths.yaml`, each `base_path` plus one folder per model kind (several paths one per line).
 * Files are listed live, recursively, model extensions only, as `get_filename_list` does.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const MODEL_EXTENSIONS = new Set(['.ckpt', '.pt', '.pt2', '.bin', '.pth', '.safetensors', '.pkl', '.sft']);
/** Legacy folder names ComfyUI still accepts in the yaml. */
const ALIASES: Record<string, string> = { unet: 'diffusion_models', clip: 'text_encoders' };

export class ModelFolders {
  private readonly dirs = new Map<string, string[]>();

  /** Reads each yaml file; relative paths count from the yaml's folder. */
  constructor(yamlFiles: string[]) {
    for (const file of yamlFiles) {
      const sections = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, Record<string, unknown> | null>;
      for (const section of Object.values(sections)) {
        if (!section) continue;
        const base = path.resolve(path.dirname(file), String(section.base_path ?? ''));
        for (const [key, value] of Object.entries(section)) {
          if (key === 'base_path' || key === 'is_default' || typeof value !== 'string') continue;
          const folder = ALIASES[key] ?? key;
          const paths = value.split('\n').map((p) => p.trim()).filter(Boolean).map((p) => path.resolve(base, p));
          this.dirs.set(folder, [...(this.dirs.get(folder) ?? []), ...paths]);
        }
      }
    }
  }

  /** The model files of a folder kind, sorted, as relative paths with `/`. */
  list(folder: string): string[] {
    const names = new Set<string>();
    for (const dir of this.dirs.get(folder) ?? []) for (const name of walk(dir, '')) names.add(name);
    return [...names].sort();
  }

  /** The file a name refers to: the first search path that has it. */
  find(folder: string, name: string): string | undefined {
    for (const dir of this.dirs.get(folder) ?? []) {
      const file = path.join(dir, name);
      try {
        if (statSync(file).isFile()) return file;
      } catch {
        // not in this folder
      }
    }
    return undefined;
  }
}

function walk(dir: string, prefix: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && isDirectory(full))) return e.name === '.git' ? [] : walk(full, rel);
    return MODEL_EXTENSIONS.has(path.extname(e.name).toLowerCase()) ? [rel] : [];
  });
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
