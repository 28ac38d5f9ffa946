/**
 * ComfyUI's command line (`comfy/cli_args.py`) parsed the way Python's argparse does it: every upstream flag is
 * accepted (most are ignored by the simulator), `--flag=value`, unique prefixes, mutually exclusive groups, and
 * errors as `usage: ...` + `<prog>: error: ...` on stderr with exit status 2.
 */
import { existsSync, statSync } from 'node:fs';

type Kind = 'flag' | 'value' | 'optional' | 'plus' | 'star';
type ValueType = 'str' | 'int' | 'float';

interface FlagSpec {
  name: string;
  kind: Kind;
  type?: ValueType;
  choices?: string[];
  metavar?: string;
  constValue?: string;
  group?: string;
  dir?: boolean;
}

const F = (name: string, group?: string): FlagSpec => ({ name, kind: 'flag', group });
const V = (name: string, type: ValueType = 'str', extra: Partial<FlagSpec> = {}): FlagSpec => ({ name, kind: 'value', type, ...extra });

const PREVIEW_METHODS = ['none', 'auto', 'latent2rgb', 'taesd'];
const FAST_FEATURES = ['fp16_accumulation', 'fp8_matrix_mult', 'cublas_ops', 'autotune'];

const SPECS: FlagSpec[] = [
  { name: 'listen', kind: 'optional', type: 'str', metavar: 'IP', constValue: '0.0.0.0,::' },
  V('port', 'int'),
  V('tls-keyfile'),
  V('tls-certfile'),
  { name: 'enable-cors-header', kind: 'optional', type: 'str', metavar: 'ORIGIN', constValue: '*' },
  V('max-upload-size', 'float'),
  V('base-directory'),
  { name: 'extra-model-paths-config', kind: 'plus', type: 'str', metavar: 'PATH' },
  V('output-directory'),
  V('temp-directory'),
  V('input-directory'),
  F('auto-launch'),
  F('disable-auto-launch'),
  V('cuda-device', 'int', { metavar: 'DEVICE_ID' }),
  V('default-device', 'int', { metavar: 'DEFAULT_DEVICE_ID' }),
  F('cuda-malloc', 'cm'),
  F('disable-cuda-malloc', 'cm'),
  F('force-fp32', 'fp'),
  F('force-fp16', 'fp'),
  ...['fp32-unet', 'fp64-unet', 'bf16-unet', 'fp16-unet', 'fp8_e4m3fn-unet', 'fp8_e5m2-unet', 'fp8_e8m0fnu-unet'].map((n) => F(n, 'fpunet')),
  ...['fp16-vae', 'fp32-vae', 'bf16-vae'].map((n) => F(n, 'fpvae')),
  F('cpu-vae'),
  ...['fp8_e4m3fn-text-enc', 'fp8_e5m2-text-enc', 'fp16-text-enc', 'fp32-text-enc', 'bf16-text-enc'].map((n) => F(n, 'fpte')),
  F('force-channels-last'),
  { name: 'directml', kind: 'optional', type: 'int', metavar: 'DIRECTML_DEVICE', constValue: '-1' },
  V('oneapi-device-selector', 'str', { metavar: 'SELECTOR_STRING' }),
  F('disable-ipex-optimize'),
  F('supports-fp8-compute'),
  V('preview-method', 'str', { choices: PREVIEW_METHODS, metavar: `[${PREVIEW_METHODS.join(',')}]` }),
  V('preview-size', 'int'),
  F('cache-classic', 'cache'),
  V('cache-lru', 'int', { group: 'cache' }),
  F('cache-none', 'cache'),
  ...['use-split-cross-attention', 'use-quad-cross-attention', 'use-pytorch-cross-attention', 'use-sage-attention', 'use-flash-attention'].map((n) =>
    F(n, 'attn'),
  ),
  F('disable-xformers'),
  F('force-upcast-attention', 'upcast'),
  F('dont-upcast-attention', 'upcast'),
  ...['gpu-only', 'highvram', 'normalvram', 'lowvram', 'novram', 'cpu'].map((n) => F(n, 'vram')),
  V('reserve-vram', 'float'),
  F('async-offload'),
  F('force-non-blocking'),
  V('default-hashing-function', 'str', { choices: ['md5', 'sha1', 'sha256', 'sha512'] }),
  F('disable-smart-memory'),
  F('deterministic'),
  { name: 'fast', kind: 'star', type: 'str', choices: FAST_FEATURES },
  F('mmap-torch-files'),
  F('disable-mmap'),
  F('dont-print-server'),
  F('quick-test-for-ci'),
  F('windows-standalone-build'),
  F('disable-metadata'),
  F('disable-all-custom-nodes'),
  { name: 'whitelist-custom-nodes', kind: 'plus', type: 'str' },
  F('disable-api-nodes'),
  F('multi-user'),
  { name: 'verbose', kind: 'optional', type: 'str', constValue: 'DEBUG', choices: ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] },
  F('log-stdout'),
  V('front-end-version'),
  V('front-end-root', 'str', { dir: true }),
  V('user-directory', 'str', { dir: true }),
  F('enable-compress-response-body'),
  V('comfy-api-base'),
  V('database-url'),
];

export interface SimArgs {
  listen: string;
  port: number;
  enableCorsHeader: string | null;
  /** MB; `maxUploadSizeIsFloat` is true when given on the command line (argparse `type=float`). */
  maxUploadSize: number;
  maxUploadSizeIsFloat: boolean;
  baseDirectory: string | null;
  extraModelPathsConfig: string[];
  outputDirectory: string | null;
  tempDirectory: string | null;
  inputDirectory: string | null;
  userDirectory: string | null;
  previewMethod: string;
  previewSize: number;
  cacheNone: boolean;
  cacheLru: number;
  disableMetadata: boolean;
  disableAllCustomNodes: boolean;
  whitelistCustomNodes: string[];
  cpu: boolean;
  logStdout: boolean;
  dontPrintServer: boolean;
  quickTestForCi: boolean;
  verbose: string;
  help: boolean;
  /** Every flag seen, by name, for anything not modelled above. */
  raw: Map<string, unknown>;
}

export class ArgError extends Error {}

function usage(prog: string): string {
  const parts = ['[-h]'];
  for (const s of SPECS) {
    const meta = s.metavar ?? s.name.replace(/-/g, '_').toUpperCase();
    const choiceMeta = s.choices && !s.metavar ? `{${s.choices.join(',')}}` : meta;
    if (s.kind === 'flag') parts.push(`[--${s.name}]`);
    else if (s.kind === 'value') parts.push(`[--${s.name} ${choiceMeta}]`);
    else if (s.kind === 'optional') parts.push(`[--${s.name} [${choiceMeta}]]`);
    else if (s.kind === 'plus') parts.push(`[--${s.name} ${meta} [${meta} ...]]`);
    else parts.push(`[--${s.name} [${choiceMeta} ...]]`);
  }
  const lines: string[] = [];
  let line = `usage: ${prog}`;
  const indent = ' '.repeat(`usage: ${prog} `.length);
  for (const p of parts) {
    if (line.length + 1 + p.length > 100 && line.trim() !== `usage: ${prog}`) {
      lines.push(line);
      line = indent + p;
    } else line += ` ${p}`;
  }
  lines.push(line);
  return lines.join('\n');
}

export function helpText(prog: string): string {
  return `${usage(prog)}\n\nComfyUI simulator (Isengard): accepts ComfyUI's flags; see plugins/image/comfyui/simulator/README.md\n`;
}

export function errorText(prog: string, message: string): string {
  return `${usage(prog)}\n${prog}: error: ${message}\n`;
}

const looksNegativeNumber = (s: string) => /^-\d+$|^-\d*\.\d+$/.test(s);
const isOptionLike = (s: string) => s.startsWith('-') && s !== '-' && !looksNegativeNumber(s);

function convert(spec: FlagSpec, raw: string): unknown {
  if (spec.type === 'int') {
    if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(raw)) throw new ArgError(`argument --${spec.name}: invalid int value: '${raw}'`);
    return Number(raw.trim().replace(/_/g, ''));
  }
  if (spec.type === 'float') {
    const t = raw.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?(inf|infinity|nan)$/i.test(t)) {
      throw new ArgError(`argument --${spec.name}: invalid float value: '${raw}'`);
    }
    return Number(t);
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new ArgError(`argument --${spec.name}: invalid choice: '${raw}' (choose from ${spec.choices.map((c) => `'${c}'`).join(', ')})`);
  }
  if (spec.dir) {
    if (!existsSync(raw)) throw new ArgError(`argument --${spec.name}: The path '${raw}' does not exist.`);
    if (!statSync(raw).isDirectory()) throw new ArgError(`argument --${spec.name}: '${raw}' is not a directory.`);
  }
  return raw;
}

function findSpec(option: string): FlagSpec {
  const name = option.slice(2);
  const exact = SPECS.find((s) => s.name === name);
  if (exact) return exact;
  const matches = SPECS.filter((s) => s.name.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new ArgError(`ambiguous option: ${option} could match ${matches.map((m) => `--${m.name}`).join(', ')}`);
  }
  throw new UnknownOption(option);
}

class UnknownOption extends Error {}

/** Parses argv (without node and script). Throws ArgError with argparse's message on bad input. */
export function parseArgs(argv: string[]): SimArgs {
  const raw = new Map<string, unknown>();
  const unknown: string[] = [];
  const groupsSeen = new Map<string, string>();
  let help = false;
  let k = 0;
  while (k < argv.length) {
    const arg = argv[k]!;
    k++;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '--') {
      unknown.push(...argv.slice(k));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      unknown.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const optText = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec: FlagSpec;
    try {
      spec = findSpec(optText);
    } catch (e) {
      if (e instanceof UnknownOption) {
        unknown.push(arg);
        continue;
      }
      throw e;
    }
    if (spec.group) {
      const prev = groupsSeen.get(spec.group);
      if (prev !== undefined && prev !== spec.name) {
        throw new ArgError(`argument --${spec.name}: not allowed with argument --${prev}`);
      }
      groupsSeen.set(spec.group, spec.name);
    }
    switch (spec.kind) {
      case 'flag':
        if (inline !== undefined) throw new ArgError(`argument --${spec.name}: ignored explicit argument '${inline}'`);
        raw.set(spec.name, true);
        break;
      case 'value': {
        let v = inline;
        if (v === undefined) {
          const next = argv[k];
          if (next === undefined || isOptionLike(next)) throw new ArgError(`argument --${spec.name}: expected one argument`);
          v = next;
          k++;
        }
        raw.set(spec.name, convert(spec, v));
        break;
      }
      case 'optional': {
        let v = inline;
        if (v === undefined) {
          const next = argv[k];
          if (next !== undefined && !isOptionLike(next)) {
            v = next;
            k++;
          }
        }
        raw.set(spec.name, convert(spec, v ?? spec.constValue!));
        break;
      }
      case 'plus':
      case 'star': {
        const vals: unknown[] = [];
        if (inline !== undefined) vals.push(convert(spec, inline));
        else {
          while (k < argv.length && !isOptionLike(argv[k]!)) {
            vals.push(convert(spec, argv[k]!));
            k++;
          }
        }
        if (spec.kind === 'plus' && vals.length === 0) throw new ArgError(`argument --${spec.name}: expected at least one argument`);
        if (spec.name === 'extra-model-paths-config') {
          const prev = (raw.get(spec.name) as unknown[][] | undefined) ?? [];
          raw.set(spec.name, [...prev, vals]);
        } else raw.set(spec.name, vals);
        break;
      }
    }
  }
  if (help) {
    return { ...defaults(raw), help: true };
  }
  if (unknown.length > 0) throw new ArgError(`unrecognized arguments: ${unknown.join(' ')}`);
  return defaults(raw);
}

function defaults(raw: Map<string, unknown>): SimArgs {
  const str = (n: string) => (raw.has(n) ? (raw.get(n) as string) : null);
  const bool = (n: string) => raw.get(n) === true;
  const extra = ((raw.get('extra-model-paths-config') as string[][] | undefined) ?? []).flat();
  return {
    listen: (raw.get('listen') as string | undefined) ?? '127.0.0.1',
    port: (raw.get('port') as number | undefined) ?? 8188,
    enableCorsHeader: str('enable-cors-header'),
    maxUploadSize: (raw.get('max-upload-size') as number | undefined) ?? 100,
    maxUploadSizeIsFloat: raw.has('max-upload-size'),
    baseDirectory: str('base-directory'),
    extraModelPathsConfig: extra,
    outputDirectory: str('output-directory'),
    tempDirectory: str('temp-directory'),
    inputDirectory: str('input-directory'),
    userDirectory: str('user-directory'),
    previewMethod: (raw.get('preview-method') as string | undefined) ?? 'none',
    previewSize: (raw.get('preview-size') as number | undefined) ?? 512,
    cacheNone: bool('cache-none'),
    cacheLru: (raw.get('cache-lru') as number | undefined) ?? 0,
    disableMetadata: bool('disable-metadata'),
    disableAllCustomNodes: bool('disable-all-custom-nodes'),
    whitelistCustomNodes: (raw.get('whitelist-custom-nodes') as string[] | undefined) ?? [],
    cpu: bool('cpu'),
    logStdout: bool('log-stdout'),
    dontPrintServer: bool('dont-print-server'),
    quickTestForCi: bool('quick-test-for-ci'),
    verbose: (raw.get('verbose') as string | undefined) ?? 'INFO',
    help: false,
    raw,
  };
}
