/**
 * The HTTP API of `server.PromptServer` (spec §2), on node:http: every route with and without `/api`, the
 * Host/Origin check (or CORS headers with --enable-cors-header), Python-style JSON bodies, aiohttp's plain-text
 * 404/405/413/500 replies, `/view` and `/upload/image` with their path-escape rules.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import type { SimArgs } from './args';
import type { Executor } from './executor';
import type { ModelFolders } from './model-folders';
import { parseForm } from './multipart';
import type { NodeDef, NodeEnv } from './node-types';
import { objectInfo } from './object-info';
import { PyError, type PyFloat, isDict, pyBool, pyFloatOf, pyInt, pyJsonDumps, pyJsonLoads, pyStr, type Jsonish, type PyDict, type PyValue } from './py';
import { historyJson, itemJson } from './history';
import type { PromptQueue } from './queue';
import { isInside, pyBasename, pyJoin } from './save-path';
import type { SystemState } from './system';
import { nodeErrorsJson, pyContains, pyGetItem, errorJson, type Validator } from './validation';

export interface HttpContext {
  args: SimArgs;
  dirs: { output: string; input: string; temp: string };
  models: ModelFolders;
  nodes: Map<string, NodeDef>;
  env: NodeEnv;
  validator: Validator;
  queue: PromptQueue;
  executor: Executor;
  system: SystemState;
  maxUploadBytes: number;
  serverFeatures(): Jsonish;
  log(line: string): void;
}

class HttpReply {
  constructor(
    readonly status: number,
    readonly body: Buffer,
    readonly headers: Record<string, string> = {},
  ) {}
}

const json = (value: Jsonish, status = 200) =>
  new HttpReply(status, Buffer.from(pyJsonDumps(value), 'utf8'), { 'Content-Type': 'application/json; charset=utf-8' });
const empty = (status = 200) => new HttpReply(status, Buffer.alloc(0));
const text = (status: number, body: string, extra: Record<string, string> = {}) =>
  new HttpReply(status, Buffer.from(body, 'utf8'), { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
const serverError = () => text(500, '500 Internal Server Error\n\nServer got itself in trouble');

class TooLarge extends Error {
  constructor(
    readonly max: number,
    readonly actual: number,
  ) {
    super('too large');
  }
}

interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  params: string[];
  body(): Promise<Buffer>;
  json(): Promise<PyValue>;
}

type Handler = (req: Req) => Promise<HttpReply> | HttpReply;

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.avif': 'image/avif',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.flac': 'audio/flac',
};
const FORCE_DOWNLOAD = new Set(['text/html', 'text/html-sandboxed', 'application/xhtml+xml', 'text/javascript', 'text/css']);

// ------------------------------------------------------------------ Host/Origin (server.py:107-141)

interface ParsedNetloc {
  hostname: string | null;
  port: number | null;
}

function parseNetloc(netloc: string): ParsedNetloc {
  const hostport = netloc.includes('@') ? netloc.slice(netloc.lastIndexOf('@') + 1) : netloc;
  let hostname: string;
  let port: number | null = null;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    hostname = hostport.slice(1, end < 0 ? undefined : end);
    const rest = end < 0 ? '' : hostport.slice(end + 1);
    if (rest.startsWith(':') && /^\d+$/.test(rest.slice(1))) port = Number(rest.slice(1));
  } else {
    const c = hostport.lastIndexOf(':');
    if (c >= 0) {
      hostname = hostport.slice(0, c);
      if (/^\d+$/.test(hostport.slice(c + 1))) port = Number(hostport.slice(c + 1));
    } else hostname = hostport;
  }
  return { hostname: hostname === '' ? null : hostname.toLowerCase(), port };
}

async function isLoopback(host: string | null): Promise<boolean> {
  if (host === null) return false;
  const check = (a: string) => (net.isIPv4(a) ? a.startsWith('127.') : a === '::1' || a.toLowerCase().startsWith('::ffff:127.'));
  if (net.isIP(host)) return check(host);
  try {
    const addrs = await dns.lookup(host, { all: true });
    if (addrs.length === 0) return false;
    return addrs.every((a) => check(a.address));
  } catch {
    return false;
  }
}

export async function originRejected(headers: IncomingMessage['headers']): Promise<boolean> {
  const host = headers.host;
  const origin = headers.origin;
  if (host === undefined || origin === undefined) return false;
  let hostDomain: string | null = host.toLowerCase();
  const originNetloc = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(origin)?.[1]?.toLowerCase() ?? '';
  let originDomain: string | null = originNetloc;
  const originParsed = parseNetloc(originNetloc);
  const hostParsed = parseNetloc(hostDomain);
  const loopback = await isLoopback(hostParsed.hostname);
  if (originParsed.port === null) hostDomain = hostParsed.hostname;
  if (hostParsed.port === null) originDomain = originParsed.hostname;
  if (loopback && hostDomain && originDomain) return hostDomain !== originDomain;
  return false;
}

// ------------------------------------------------------------------ routes

export function createRoutes(ctx: HttpContext): { route: (method: string, p: string) => { handler: Handler; params: string[] } | 'not-found' | 'bad-method' } {
  const routes: { method: string; re: RegExp; handler: Handler }[] = [];
  const add = (method: string, pattern: string, handler: Handler) => {
    const re = new RegExp(`^${pattern.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`);
    routes.push({ method, re, handler });
    routes.push({ method, re: new RegExp(`^/api${pattern.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`), handler });
  };
  const { queue, executor } = ctx;
  let number = 0;
  const queueInfo = () => ({ exec_info: { queue_remaining: queue.tasksRemaining() } });
  const asDict = (v: PyValue): PyDict => {
    if (!isDict(v)) throw new PyError('AttributeError', `object has no attribute 'get'`);
    return v;
  };

  add('GET', '/embeddings', () => json(ctx.models.list('embeddings').map((n) => n.replace(/\.[^./]*$/, ''))));
  add('GET', '/models', () => json(ctx.models.keys()));
  add('GET', '/models/{folder}', (r) => (ctx.models.has(r.params[0]!) ? json(ctx.models.list(r.params[0]!)) : empty(404)));
  add('GET', '/system_stats', () => json(ctx.system.stats()));
  add('GET', '/features', () => json(ctx.serverFeatures()));
  add('GET', '/prompt', () => json(queueInfo()));
  add('GET', '/object_info', () => json(objectInfo(ctx.nodes, ctx.env)));
  add('GET', '/object_info/{node_class}', (r) => json(objectInfo(ctx.nodes, ctx.env, r.params[0]!)));
  add('GET', '/history', (r) => {
    const maxItems = r.query.has('max_items') ? Number(pyInt(r.query.get('max_items')!)) : null;
    const offset = r.query.has('offset') ? Number(pyInt(r.query.get('offset')!)) : -1;
    const out = new Map<string, Jsonish>();
    for (const [k, v] of queue.history.get({ maxItems, offset })) out.set(k, historyJson(v));
    return json(out);
  });
  add('GET', '/history/{prompt_id}', (r) => {
    const out = new Map<string, Jsonish>();
    for (const [k, v] of queue.history.get({ promptId: r.params[0]! })) out.set(k, historyJson(v));
    return json(out);
  });
  add('GET', '/queue', () => {
    const q = queue.currentQueue();
    return json({ queue_running: q.running.map(itemJson), queue_pending: q.pending.map(itemJson) });
  });
  add('GET', '/view', (r) => viewImage(ctx, r));
  add('GET', '/internal/folder_paths', () => {
    const out: Record<string, Jsonish> = {};
    for (const k of ctx.models.keys()) out[k] = ctx.models.paths(k);
    return json(out);
  });

  add('POST', '/prompt', async (r) => {
    ctx.log('got prompt');
    const data = await r.json();
    let num: number | PyFloat;
    if (pyContains(data, 'number')) num = pyFloatOf(pyGetItem(data, 'number'));
    else {
      num = number;
      if (pyContains(data, 'front') && pyBool(pyGetItem(data, 'front'))) num = -num || 0;
      number++;
    }
    if (!pyContains(data, 'prompt')) {
      return json(
        { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} },
        400,
      );
    }
    const body = asDict(data);
    const prompt = body.get('prompt')!;
    const promptId = body.has('prompt_id') ? pyStr(body.get('prompt_id')) : randomUUID();
    const partial = body.has('partial_execution_targets') ? body.get('partial_execution_targets')! : undefined;
    const valid = ctx.validator.validatePrompt(prompt, partial);
    let extraData: PyValue = new Map();
    if (body.has('extra_data')) extraData = body.get('extra_data')!;
    if (body.has('client_id')) {
      if (!isDict(extraData)) throw new PyError('TypeError', "'list' object does not support item assignment");
      extraData.set('client_id', body.get('client_id')!);
    }
    if (valid.ok) {
      queue.put({ number: num, promptId, prompt: prompt as PyDict, extraData: extraData as PyDict, outputs: valid.outputs });
      return json({ prompt_id: promptId, number: num, node_errors: nodeErrorsJson(valid.nodeErrors) });
    }
    ctx.log(`invalid prompt: ${pyStr(valid.error?.message)}`);
    return json({ error: valid.error ? errorJson(valid.error) : null, node_errors: nodeErrorsJson(valid.nodeErrors) }, 400);
  });

  const ids = (v: PyValue): PyValue[] => {
    if (Array.isArray(v)) return v;
    if (typeof v === 'string') return [...v];
    if (isDict(v)) return [...v.keys()];
    throw new PyError('TypeError', 'object is not iterable');
  };

  add('POST', '/queue', async (r) => {
    const data = await r.json();
    if (pyContains(data, 'clear') && pyBool(pyGetItem(data, 'clear'))) queue.wipeQueue();
    if (pyContains(data, 'delete')) {
      for (const id of ids(pyGetItem(data, 'delete'))) queue.deleteQueueItem((it) => it.promptId === id);
    }
    return empty();
  });

  add('POST', '/interrupt', async (r) => {
    let data: PyValue;
    try {
      data = await r.json();
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      data = new Map();
    }
    const promptId = asDict(data).get('prompt_id') ?? null;
    if (pyBool(promptId)) {
      const running = queue.currentQueue().running.some((it) => it.promptId === promptId);
      if (running) {
        ctx.log(`Interrupting prompt ${pyStr(promptId)}`);
        executor.interrupt();
      } else ctx.log(`Prompt ${pyStr(promptId)} is not currently running, skipping interrupt`);
    } else {
      ctx.log('Global interrupt (no prompt_id specified)');
      executor.interrupt();
    }
    return empty();
  });

  add('POST', '/free', async (r) => {
    const data = asDict(await r.json());
    const unload = data.get('unload_models') ?? false;
    const free = data.get('free_memory') ?? false;
    if (pyBool(unload)) queue.setFlag('unload_models', unload);
    if (pyBool(free)) queue.setFlag('free_memory', free);
    return empty();
  });

  add('POST', '/history', async (r) => {
    const data = await r.json();
    if (pyContains(data, 'clear') && pyBool(pyGetItem(data, 'clear'))) queue.history.clear();
    if (pyContains(data, 'delete')) for (const id of ids(pyGetItem(data, 'delete'))) if (typeof id === 'string') queue.history.delete(id);
    return empty();
  });

  add('POST', '/upload/image', (r) => uploadImage(ctx, r));

  return {
    route(method, p) {
      let pathMatched = false;
      for (const rt of routes) {
        const m = rt.re.exec(p);
        if (!m) continue;
        pathMatched = true;
        if (rt.method === method || (method === 'HEAD' && rt.method === 'GET')) {
          return { handler: rt.handler, params: m.slice(1).map((s) => decodeURIComponent(s)) };
        }
      }
      return pathMatched ? 'bad-method' : 'not-found';
    },
  };
}

// ------------------------------------------------------------------ /view

function dirByType(ctx: HttpContext, type: string): string | null {
  if (type === 'output') return ctx.dirs.output;
  if (type === 'temp') return ctx.dirs.temp;
  if (type === 'input') return ctx.dirs.input;
  return null;
}

function annotated(ctx: HttpContext, name: string): [string, string | null] {
  if (name.endsWith('[output]')) return [name.slice(0, -9), ctx.dirs.output];
  if (name.endsWith('[input]')) return [name.slice(0, -8), ctx.dirs.input];
  if (name.endsWith('[temp]')) return [name.slice(0, -7), ctx.dirs.temp];
  return [name, null];
}

async function viewImage(ctx: HttpContext, r: Req): Promise<HttpReply> {
  if (!r.query.has('filename')) return empty(404);
  let [filename, outputDir] = annotated(ctx, r.query.get('filename')!);
  if (!filename) return empty(400);
  if (filename.startsWith('/') || filename.includes('..')) return empty(400);
  if (outputDir === null) outputDir = dirByType(ctx, r.query.get('type') ?? 'output');
  if (outputDir === null) return empty(400);
  if (r.query.has('subfolder')) {
    const full = pyJoin(outputDir, r.query.get('subfolder')!);
    if (!isInside(outputDir, full)) return empty(403);
    outputDir = full;
  }
  filename = pyBasename(filename);
  const file = pyJoin(outputDir, filename);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) return empty(404);
  const disposition = { 'Content-Disposition': `filename="${filename}"` };
  const channel = r.query.get('channel');
  if (r.query.has('preview')) {
    const info = r.query.get('preview')!.split(';');
    let format = info[0]!;
    if (!['webp', 'jpeg'].includes(format) || (channel ?? '').includes('a')) format = 'webp';
    const last = info[info.length - 1]!;
    const quality = /^\d+$/.test(last) ? Number(last) : 90;
    let img = sharp(file);
    if (format === 'jpeg' || channel === 'rgb') img = img.removeAlpha();
    const body = format === 'jpeg' ? await img.jpeg({ quality }).toBuffer() : await img.webp({ quality }).toBuffer();
    return new HttpReply(200, body, { 'Content-Type': `image/${format}`, ...disposition });
  }
  if (channel === 'rgb') {
    const body = await sharp(file).removeAlpha().png().toBuffer();
    return new HttpReply(200, body, { 'Content-Type': 'image/png', ...disposition });
  }
  if (channel === 'a') {
    const meta = await sharp(file).metadata();
    const w = meta.width ?? 1;
    const h = meta.height ?? 1;
    const alpha = meta.hasAlpha ? await sharp(file).ensureAlpha().extractChannel(3).raw().toBuffer() : Buffer.alloc(w * h, 255);
    const rgba = Buffer.alloc(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba[p * 4 + 3] = alpha[p]!;
    const body = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
    return new HttpReply(200, body, { 'Content-Type': 'image/png', ...disposition });
  }
  let contentType = MIME[path.extname(filename).toLowerCase()] ?? 'application/octet-stream';
  if (FORCE_DOWNLOAD.has(contentType)) contentType = 'application/octet-stream';
  const st = statSync(file);
  return new HttpReply(200, readFileSync(file), { ...disposition, 'Content-Type': contentType, 'Last-Modified': st.mtime.toUTCString() });
}

// ------------------------------------------------------------------ /upload/image

async function uploadImage(ctx: HttpContext, r: Req): Promise<HttpReply> {
  const form = parseForm(r.headers['content-type'], await r.body());
  const image = form.get('image');
  const overwrite = form.get('overwrite');
  const typeField = form.get('type');
  const type = typeField === undefined ? null : typeField.kind === 'text' ? typeField.value : null;
  if (typeField !== undefined && typeField.kind !== 'text') throw new PyError('TypeError', 'bad type field');
  const uploadDir = type === null ? ctx.dirs.input : dirByType(ctx, type);
  if (uploadDir === null) throw new PyError('UnboundLocalError', "cannot access local variable 'type_dir' where it is not associated with a value");
  const uploadType = type ?? 'input';
  if (!image || (image.kind === 'text' && image.value === '')) return empty(400);
  if (image.kind !== 'file') throw new PyError('AttributeError', "'str' object has no attribute 'file'");
  let filename = image.filename;
  if (!filename) return empty(400);
  const subField = form.get('subfolder');
  if (subField !== undefined && subField.kind !== 'text') throw new PyError('TypeError', 'expected str');
  const subfolder = subField?.value ?? '';
  const fullOutputFolder = pyJoin(uploadDir, subfolder === '' ? '.' : path.normalize(subfolder));
  let filepath = path.resolve(pyJoin(fullOutputFolder, filename));
  if (!isInside(uploadDir, filepath)) return empty(400);
  if (!existsSync(fullOutputFolder)) mkdirSync(fullOutputFolder, { recursive: true });
  const ext = path.extname(filename);
  const stem = ext ? filename.slice(0, -ext.length) : filename;
  let duplicate = false;
  const overwriteValue = overwrite?.kind === 'text' ? overwrite.value : null;
  if (!(overwriteValue === 'true' || overwriteValue === '1')) {
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const uploadHash = hash(image.data);
    let i = 1;
    while (existsSync(filepath)) {
      if (statSync(filepath).isFile() && hash(readFileSync(filepath)) === uploadHash) {
        duplicate = true;
        break;
      }
      filename = `${stem} (${i})${ext}`;
      filepath = pyJoin(fullOutputFolder, filename);
      i++;
    }
  }
  if (!duplicate) writeFileSync(filepath, image.data);
  return json({ name: filename, subfolder, type: uploadType });
}

// ------------------------------------------------------------------ the request handler

const INDEX_HTML =
  '<!doctype html><html><head><title>ComfyUI (simulator)</title></head><body><h1>ComfyUI simulator</h1>' +
  '<p>Isengard fast-test stand-in for ComfyUI: API only, no web UI, no models.</p></body></html>';

export function createRequestHandler(ctx: HttpContext) {
  const router = createRoutes(ctx);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    let bodyCache: Promise<Buffer> | null = null;
    const readBody = () => {
      bodyCache ??= new Promise<Buffer>((resolve, reject) => {
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > ctx.maxUploadBytes) {
          req.resume();
          reject(new TooLarge(ctx.maxUploadBytes, declared));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= ctx.maxUploadBytes) chunks.push(c);
        });
        req.on('end', () => (size > ctx.maxUploadBytes ? reject(new TooLarge(ctx.maxUploadBytes, size)) : resolve(Buffer.concat(chunks))));
        req.on('error', reject);
      });
      return bodyCache;
    };
    const r: Req = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: [],
      body: readBody,
      json: async () => pyJsonLoads((await readBody()).toString('utf8')),
    };
    let reply: HttpReply;
    try {
      const cors = ctx.args.enableCorsHeader;
      if (cors === null && (await originRejected(req.headers))) {
        ctx.log(`WARNING: request with non matching host and origin ${req.headers.host} != ${req.headers.origin}, returning 403`);
        reply = empty(403);
      } else if (method === 'OPTIONS') reply = empty(200);
      else {
        const found = router.route(method, url.pathname);
        if (found === 'not-found') {
          reply = url.pathname === '/' && (method === 'GET' || method === 'HEAD') ? new HttpReply(200, Buffer.from(INDEX_HTML), { 'Content-Type': 'text/html', 'Cache-Control': 'no-cache' }) : text(404, '404: Not Found');
        } else if (found === 'bad-method') reply = text(405, '405: Method Not Allowed');
        else {
          r.params = found.params;
          reply = await found.handler(r);
        }
      }
      if (cors !== null) {
        reply.headers['Access-Control-Allow-Origin'] = cors;
        reply.headers['Access-Control-Allow-Methods'] = 'POST, GET, DELETE, PUT, OPTIONS';
        reply.headers['Access-Control-Allow-Headers'] = 'Content-Type, Authorization';
        reply.headers['Access-Control-Allow-Credentials'] = 'true';
      }
    } catch (e) {
      if (e instanceof TooLarge) {
        reply = text(413, `Maximum request body size ${e.max} exceeded, actual body size ${e.actual}`);
      } else {
        ctx.log(`Error handling request ${method} ${url.pathname}: ${e instanceof Error ? e.message : String(e)}`);
        reply = serverError();
      }
    }
    if (!res.headersSent) {
      res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
      res.end(method === 'HEAD' ? undefined : reply.body);
    }
    // drain an unread body so keep-alive connections stay usable
    if (!req.readableEnded) req.resume();
  };
}
