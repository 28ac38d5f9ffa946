import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import WebSocket from 'ws';
import type { Graph } from './graphs';

/** An image as ComfyUI names it in `executed` messages and history (comfyui.md §2.2). */
export interface ComfyImage {
  filename: string;
  subfolder: string;
  type: string;
}

export interface HistoryEntry {
  /** The queue item it records: `[number, prompt_id, graph, extra_data, outputs_to_execute]` (comfyui.md §2). */
  prompt?: [number, string, unknown, { client_id?: string } & Record<string, unknown>, unknown];
  outputs: Record<string, { images?: ComfyImage[] }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
}

export interface NodeError {
  type: string;
  message: string;
  details: string;
  extra_info?: { input_name?: string; received_value?: unknown };
}

/** ComfyUI refused the graph (400 with `node_errors`, comfyui.md §2.1). */
export class ComfyValidationError extends Error {
  constructor(
    readonly errorType: string,
    readonly nodeErrors: Record<string, { errors: NodeError[]; class_type: string }>,
    message: string,
  ) {
    super(message);
    this.name = 'ComfyValidationError';
  }
}

/** ComfyUI is not answering (not started yet, restarting, or gone). */
export class ComfyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComfyUnavailableError';
  }
}

export type PromptOutcome =
  | { kind: 'success'; images: ComfyImage[] }
  | {
      kind: 'error';
      nodeId: string;
      nodeType: string;
      exceptionType: string;
      message: string;
      /** The failing node's literal inputs (a loader's file name, say), first value of each. */
      inputs: Record<string, unknown>;
    }
  | { kind: 'interrupted' };

export interface PromptProgress {
  node: string;
  value: number;
  max: number;
}

const RECONNECT_MS = [250, 500, 1000, 2000, 4000];

const succeeded = (response: Dispatcher.ResponseData) => response.statusCode >= 200 && response.statusCode < 300;
const HISTORY_POLL_MS = 2_000;

/**
 * HTTP and WebSocket client for one ComfyUI server (comfyui.md §8.1). Each job follows its own prompt on its own
 * socket; a dropped socket is reconnected with the same client id, and `/history` answers what the socket missed.
 */
export class ComfyClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** undici's `request` rather than `fetch`: half the time and CPU per call, and a generation waits for several. */
  private async request(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {}): Promise<Dispatcher.ResponseData> {
    try {
      return await request(`${this.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        ...(init.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
        signal: init.signal ?? AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ComfyUnavailableError(`ComfyUI at ${this.baseUrl} does not answer (${(err as Error).message})`);
    }
  }

  /** POSTs a JSON body and lets the answer go. */
  private async post(path: string, body: unknown): Promise<void> {
    await (await this.request(path, { method: 'POST', body })).body.dump();
  }

  private async json<T>(path: string): Promise<T> {
    const response = await this.request(path);
    if (!succeeded(response)) throw new Error(`ComfyUI answered ${response.statusCode} to ${path}: ${(await response.body.text()).slice(0, 300)}`);
    return (await response.body.json()) as T;
  }

  systemStats(): Promise<{ system: Record<string, unknown>; devices: Array<Record<string, unknown>> }> {
    return this.json('/system_stats');
  }

  /** Queues a graph under our own prompt id; throws ComfyValidationError when ComfyUI refuses it. */
  async submit(graph: Graph, promptId: string, clientId: string, extraPngInfo: Record<string, unknown> = {}): Promise<void> {
    const response = await this.request('/prompt', {
      method: 'POST',
      body: { prompt: graph, client_id: clientId, prompt_id: promptId, extra_data: { extra_pnginfo: extraPngInfo } },
    });
    const body = (await response.body.json().catch(() => ({}))) as {
      error?: { type?: string; message?: string; details?: string };
      node_errors?: ComfyValidationError['nodeErrors'];
    };
    if (response.statusCode === 400) {
      throw new ComfyValidationError(body.error?.type ?? 'invalid_prompt', body.node_errors ?? {}, body.error?.message ?? 'Prompt refused');
    }
    if (!succeeded(response)) throw new Error(`ComfyUI answered ${response.statusCode} to /prompt`);
  }

  /** Whether the prompt is waiting or running (false once finished, or when ComfyUI restarted and forgot it). */
  async isQueued(promptId: string): Promise<boolean> {
    const queue = await this.json<{ queue_running: unknown[][]; queue_pending: unknown[][] }>('/queue');
    return [...queue.queue_running, ...queue.queue_pending].some((item) => item[1] === promptId);
  }

  /**
   * The history entry of a prompt; with `clientId`, only the entry of the submission made for that client.
   * ComfyUI accepts a prompt id again and keeps the earlier run's entry until the new run ends (comfyui.md §10).
   */
  async history(promptId: string, clientId?: string): Promise<HistoryEntry | undefined> {
    const all = await this.json<Record<string, HistoryEntry>>(`/history/${encodeURIComponent(promptId)}`);
    const entry = all[promptId];
    return entry && (clientId === undefined || submittedFor(entry, promptId, clientId)) ? entry : undefined;
  }

  async view(image: ComfyImage): Promise<Buffer> {
    const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
    const response = await this.request(`/view?${query}`);
    if (!succeeded(response)) {
      await response.body.dump();
      throw new Error(`ComfyUI could not serve ${image.subfolder}/${image.filename} (${response.statusCode})`);
    }
    return Buffer.from(await response.body.arrayBuffer());
  }

  /** Removes the prompt if still queued, and interrupts it if running (comfyui.md §8.1 step 6). */
  async cancel(promptId: string): Promise<void> {
    await this.post('/queue', { delete: [promptId] });
    await this.post('/interrupt', { prompt_id: promptId });
  }

  async free(): Promise<void> {
    await this.post('/free', { unload_models: true, free_memory: true });
  }

  /**
   * Follows a submitted prompt to its end: progress ticks as they come, then the outcome. A success whose
   * `outputNode` announced its images on the socket (`executed`, then `execution_success`) ends there; every other
   * end is read from history (written before ComfyUI announces the end). Keeps going through dropped sockets and
   * ComfyUI restarts until `signal` aborts or `giveUpAfterMs` passes without any sign of ComfyUI.
   */
  follow(
    promptId: string,
    clientId: string,
    onProgress: (progress: PromptProgress) => void,
    options: { signal?: AbortSignal; giveUpAfterMs?: number; outputNode?: string } = {},
  ): Promise<PromptOutcome> {
    const wsUrl = `${this.baseUrl.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`;
    const giveUpAfterMs = options.giveUpAfterMs ?? 120_000;
    return new Promise((resolve, reject) => {
      let socket: WebSocket | undefined;
      let settled = false;
      let attempts = 0;
      let lastSign = Date.now();
      let saved: ComfyImage[] | undefined;

      const finish = (result: { outcome?: PromptOutcome; error?: Error }) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        options.signal?.removeEventListener('abort', onAbort);
        socket?.removeAllListeners();
        socket?.on('error', () => {});
        socket?.close();
        if (result.outcome) resolve(result.outcome);
        else reject(result.error);
      };
      const onAbort = () => finish({ error: (options.signal?.reason as Error) ?? new Error('Aborted') });
      options.signal?.addEventListener('abort', onAbort, { once: true });

      /**
       * History is the record: it says how the prompt ended, whatever the socket saw. A prompt in neither history
       * nor the queue was lost with a ComfyUI that restarted (its queue and history live in memory).
       */
      const checkHistory = async () => {
        try {
          const entry = await this.history(promptId, clientId);
          lastSign = Date.now();
          if (entry) finish({ outcome: outcomeOf(entry) });
          else if (!(await this.isQueued(promptId)) && !(await this.history(promptId, clientId))) {
            finish({ error: new ComfyUnavailableError('ComfyUI restarted and lost the prompt') });
          }
        } catch (err) {
          if (Date.now() - lastSign > giveUpAfterMs) finish({ error: err as Error });
        }
      };

      const connect = () => {
        if (settled) return;
        socket = new WebSocket(wsUrl);
        socket.on('open', () => {
          attempts = 0;
          lastSign = Date.now();
          // Anything that happened while no socket listened is in history.
          void checkHistory();
        });
        socket.on('message', (data, isBinary) => {
          if (isBinary) return; // previews
          lastSign = Date.now();
          let message: { type?: string; data?: Record<string, unknown> };
          try {
            message = JSON.parse(String(data)) as typeof message;
          } catch {
            return;
          }
          const d = message.data ?? {};
          if (d.prompt_id !== undefined && d.prompt_id !== promptId) return;
          if (message.type === 'progress' && typeof d.value === 'number' && typeof d.max === 'number') {
            onProgress({ node: String(d.node ?? ''), value: d.value, max: d.max });
          } else if (message.type === 'executed' && options.outputNode !== undefined && d.node === options.outputNode) {
            saved = (d.output as { images?: ComfyImage[] } | undefined)?.images;
          } else if (message.type === 'execution_success' && d.prompt_id === promptId && saved) {
            finish({ outcome: { kind: 'success', images: saved } });
          } else if (message.type === 'executing' && d.node === null && d.prompt_id === promptId) {
            void checkHistory();
          }
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          if (settled) return;
          const delay = RECONNECT_MS[Math.min(attempts++, RECONNECT_MS.length - 1)]!;
          setTimeout(connect, delay);
        });
      };

      // While the socket is down (ComfyUI restarting, say), history is polled so the end is never missed.
      const poll = setInterval(() => {
        if (socket?.readyState !== WebSocket.OPEN) void checkHistory();
        else if (Date.now() - lastSign > giveUpAfterMs) void checkHistory();
      }, HISTORY_POLL_MS);
      connect();
    });
  }
}

/** A unique prompt id and client id for one submission: never an earlier attempt's (comfyui.md §10). */
export function newSubmission(label: string): { promptId: string; clientId: string } {
  const promptId = `${label}-${randomUUID()}`;
  return { promptId, clientId: `isengard-${promptId}` };
}

/** Whether a history entry records the submission of `promptId` made for `clientId` (not an earlier one). */
export function submittedFor(entry: HistoryEntry, promptId: string, clientId: string): boolean {
  return entry.prompt?.[1] === promptId && entry.prompt[3]?.client_id === clientId;
}

/** `current_inputs` lists each input's values (comfyui.md §3): the first of each. */
function firstValues(inputs: unknown): Record<string, unknown> {
  if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) return {};
  return Object.fromEntries(Object.entries(inputs).map(([name, values]) => [name, Array.isArray(values) ? values[0] : values]));
}

export function outcomeOf(entry: HistoryEntry): PromptOutcome {
  const messages = entry.status?.messages ?? [];
  if (messages.some(([type]) => type === 'execution_interrupted')) return { kind: 'interrupted' };
  const error = messages.find(([type]) => type === 'execution_error')?.[1];
  if (entry.status?.status_str === 'error' || error) {
    return {
      kind: 'error',
      nodeId: String(error?.node_id ?? ''),
      nodeType: String(error?.node_type ?? 'unknown'),
      exceptionType: String(error?.exception_type ?? 'unknown'),
      message: String(error?.exception_message ?? 'ComfyUI reported an error').trim(),
      inputs: firstValues(error?.current_inputs),
    };
  }
  const images = Object.values(entry.outputs ?? {}).flatMap((output) => output.images ?? []);
  return { kind: 'success', images };
}
