/**
 * Model search paths (`folder_paths.py`) and `extra_model_paths.yaml` (`utils/extra_config.py`), spec §6.
 *
 * Folder keys map to ordered directory lists; file lists are computed live (recursive, symlinks followed, `.git`
 * skipped, model extensions only, sorted POSIX relative paths), so files added at run time appear without restart.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const MODEL_EXTENSIONS = ['.ckpt', '.pt', '.pt2', '.bin', '.pth', '.safetensors', '.pkl', '.sft'];

interface Folder {
  paths: string[];
  /** Empty = every file. */
  extensions: string[];
}

const LEGACY: Record<string, string> = { unet: 'diffusion_models', clip: 'text_encoders' };
export const mapLegacy = (name: string): string => LEGACY[name] ?? name;

export class ModelFolders {
  readonly folders = new Map<string, Folder>();

  constructor(readonly basePath: string) {
    const models = path.join(basePath, 'models');
    const set = (key: string, dirs: string[], ext: string[] = MODEL_EXTENSIONS) =>
      this.folders.set(key, { paths: dirs.map((d) => path.join(models, d)), extensions: ext });
    set('checkpoints', ['checkpoints']);
    set('configs', ['configs'], ['.yaml']);
    set('loras', ['loras']);
    set('vae', ['vae']);
    set('text_encoders', ['text_encoders', 'clip']);
    set('diffusion_models', ['unet', 'diffusion_models']);
    set('clip_vision', ['clip_vision']);
    set('style_models', ['style_models']);
    set('embeddings', ['embeddings']);
    set('diffusers', ['diffusers'], ['folder']);
    set('vae_approx', ['vae_approx']);
    set('controlnet', ['controlnet', 't2i_adapter']);
    set('gligen', ['gligen']);
    set('upscale_models', ['upscale_models']);
    this.folders.set('custom_nodes', { paths: [path.join(basePath, 'custom_nodes')], extensions: [] });
    set('hypernetworks', ['hypernetworks']);
    set('photomaker', ['photomaker']);
    // upstream uses {""}: only extension-less files
    set('classifiers', ['classifiers'], ['']);
    set('model_patches', ['model_patches']);
    set('audio_encoders', ['audio_encoders']);
  }

  /** `folder_paths.add_model_folder_path`. */
  add(folderName: string, fullPath: string, isDefault = false): void {
    const key = mapLegacy(folderName);
    const folder = this.folders.get(key);
    if (!folder) {
      this.folders.set(key, { paths: [fullPath], extensions: [] });
      return;
    }
    const at = folder.paths.indexOf(fullPath);
    if (at >= 0) {
      if (isDefault && at !== 0) {
        folder.paths.splice(at, 1);
        folder.paths.unshift(fullPath);
      }
    } else if (isDefault) folder.paths.unshift(fullPath);
    else folder.paths.push(fullPath);
  }

  has(folderName: string): boolean {
    return this.folders.has(folderName);
  }

  keys(): string[] {
    return [...this.folders.keys()];
  }

  paths(folderName: string): string[] {
    return [...(this.folders.get(mapLegacy(folderName))?.paths ?? [])];
  }

  /** `folder_paths.get_filename_list`: live, recursive, sorted, POSIX separators. */
  list(folderName: string): string[] {
    const folder = this.folders.get(mapLegacy(folderName));
    if (!folder) throw new Error(`KeyError: '${folderName}'`);
    const out = new Set<string>();
    for (const dir of folder.paths) {
      for (const rel of recursiveSearch(dir)) {
        const ext = path.extname(rel).toLowerCase();
        if (folder.extensions.length === 0 || folder.extensions.includes(ext)) out.add(rel);
      }
    }
    return [...out].sort(codePointCompare);
  }

  /** `folder_paths.get_full_path`: first existing file across the folder's dirs. */
  fullPath(folderName: string, filename: string): string | null {
    const folder = this.folders.get(mapLegacy(folderName));
    if (!folder) return null;
    const rel = path.relative('/', path.join('/', filename));
    for (const dir of folder.paths) {
      const full = path.join(dir, rel);
      try {
        if (statSync(full).isFile()) return full;
      } catch {
        // missing or dangling link: try the next dir
      }
    }
    return null;
  }

  /** `utils/extra_config.load_extra_path_config`. Throws like Python would on a malformed file. */
  loadExtraConfig(yamlPath: string, log: (line: string) => void): void {
    const text = readFileSync(yamlPath, 'utf8');
    const config: unknown = parseYaml(text);
    const yamlDir = path.dirname(path.resolve(yamlPath));
    if (config === null || typeof config !== 'object') {
      throw new Error(`TypeError: '${config === null ? 'NoneType' : typeof config}' object is not iterable`);
    }
    for (const conf of Object.values(config as Record<string, unknown>)) {
      if (conf === null || conf === undefined) continue;
      if (typeof conf !== 'object') throw new Error(`TypeError: argument of type '${typeof conf}' is not iterable`);
      const entries = { ...(conf as Record<string, unknown>) };
      let basePath: string | null = null;
      if ('base_path' in entries) {
        basePath = expandVars(expandUser(String(entries.base_path)));
        delete entries.base_path;
        if (!path.isAbsolute(basePath)) basePath = path.resolve(yamlDir, basePath);
      }
      let isDefault = false;
      if ('is_default' in entries) {
        isDefault = Boolean(entries.is_default);
        delete entries.is_default;
      }
      for (const [key, value] of Object.entries(entries)) {
        if (typeof value !== 'string') {
          throw new Error(`AttributeError: '${Array.isArray(value) ? 'list' : typeof value}' object has no attribute 'split'`);
        }
        for (const line of value.split('\n')) {
          if (line.length === 0) continue;
          let full = line;
          if (basePath) full = path.isAbsolute(line) ? line : path.join(basePath, line);
          else if (!path.isAbsolute(full)) full = path.resolve(yamlDir, line);
          const normalized = normpath(full);
          log(`Adding extra search path ${key} ${normalized}`);
          this.add(key, normalized, isDefault);
        }
      }
    }
  }
}

function codePointCompare(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let k = 0; k < Math.min(ca.length, cb.length); k++) {
    const x = ca[k]!.codePointAt(0)!;
    const y = cb[k]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

/** `os.walk(directory, followlinks=True)` minus `.git`, as POSIX relative paths. */
function recursiveSearch(directory: string): string[] {
  const result: string[] = [];
  let isDir = false;
  try {
    isDir = statSync(directory).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) return result;
  const seen = new Set<string>();
  const walk = (dir: string, rel: string) => {
    let real: string;
    try {
      const st = statSync(dir);
      real = `${st.dev}:${st.ino}`;
    } catch {
      return;
    }
    if (seen.has(real)) return; // symlink loop guard
    seen.add(real);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        // A dangling symlink: os.walk lists it among the files; get_full_path skips it later.
        try {
          lstatSync(full);
          result.push(rel ? `${rel}/${name}` : name);
        } catch {
          // vanished meanwhile
        }
        continue;
      }
      const r = rel ? `${rel}/${name}` : name;
      if (st.isDirectory()) {
        if (name !== '.git') walk(full, r);
      } else result.push(r);
    }
  };
  walk(directory, '');
  return result;
}

/** `os.path.normpath` (POSIX): no trailing slash, `.`/`..` resolved lexically. */
export function normpath(p: string): string {
  const n = path.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function expandUser(p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return p;
}

function expandVars(p: string): string {
  return p.replace(/\$(\w+)|\$\{([^}]+)\}/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    const v = process.env[name];
    return v === undefined ? whole : v;
  });
}

/** Loads the default extra_model_paths.yaml beside the "checkout" (the simulator folder) and the given files. */
export function loadAllExtraConfigs(folders: ModelFolders, checkoutDir: string, files: string[], log: (line: string) => void): void {
  const auto = path.join(checkoutDir, 'extra_model_paths.yaml');
  if (existsSync(auto) && statSync(auto).isFile()) folders.loadExtraConfig(auto, log);
  for (const f of files) folders.loadExtraConfig(f, log);
}
