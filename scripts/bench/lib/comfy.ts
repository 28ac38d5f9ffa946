import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Graph } from '../../../plugins/image/comfyui/graphs';

/** What ComfyUI's history says about one prompt: how long the engine itself executed it, and its images. */
export interface HistoryFacts {
  /** execution_success.timestamp − execution_start.timestamp (ms), the engine's own execution time. */
  engineMs: number;
  startedAt: number;
  endedAt: number;
  images: Array<{ filename: string; subfolder: string; type: string }>;
}

interface HistoryEntry {
  outputs: Record<string, { images?: HistoryFacts['images'] }>;
  status: { messages: Array<[string, { timestamp?: number }]> } | null;
}

export async function historyFacts(baseUrl: string, promptId: string): Promise<HistoryFacts | undefined> {
  const response = await fetch(`${baseUrl}/history/${encodeURIComponent(promptId)}`);
  const all = (await response.json()) as Record<string, HistoryEntry>;
  const entry = all[promptId];
  if (!entry?.status) return undefined;
  const at = (type: string) => entry.status!.messages.find(([t]) => t === type)?.[1].timestamp;
  const startedAt = at('execution_start');
  const endedAt = at('execution_success');
  if (startedAt === undefined || endedAt === undefined) return undefined;
  return {
    engineMs: endedAt - startedAt,
    startedAt,
    endedAt,
    images: Object.values(entry.outputs).flatMap((o) => o.images ?? []),
  };
}

/**
 * The anchor of the generation overhead: the least a program must do to get images out of ComfyUI, with no
 * platform around it. One WebSocket for all jobs; per job POST /prompt, wait for `executing {node: null}`,
 * GET /history/{id}, GET /view for each image.
 */
export class BareComfyClient {
  private readonly clientId = `bench-${randomUUID()}`;
  private socket: WebSocket | undefined;
  private readonly waiters = new Map<string, () => void>();

  constructor(private readonly baseUrl: string) {}

  async open(): Promise<void> {
    const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/ws?clientId=${this.clientId}`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as { type?: string; data?: { node?: string | null; prompt_id?: string } };
      if (message.type === 'executing' && message.data?.node === null && message.data.prompt_id) {
        this.waiters.get(message.data.prompt_id)?.();
      }
    });
    this.socket = socket;
  }

  /** Runs one graph to its images; resolves with the wall time (ms) and what history says. */
  async run(graph: Graph): Promise<{ totalMs: number; facts: HistoryFacts; bytes: number }> {
    const promptId = randomUUID();
    const finished = new Promise<void>((resolve) => this.waiters.set(promptId, resolve));
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: this.clientId, prompt_id: promptId }),
    });
    if (!response.ok) throw new Error(`ComfyUI refused the prompt: ${response.status} ${(await response.text()).slice(0, 300)}`);
    await response.arrayBuffer();
    await finished;
    this.waiters.delete(promptId);
    const facts = await historyFacts(this.baseUrl, promptId);
    if (!facts) throw new Error(`No history for ${promptId}`);
    let bytes = 0;
    for (const image of facts.images) {
      const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
      const view = await fetch(`${this.baseUrl}/view?${query}`);
      bytes += (await view.arrayBuffer()).byteLength;
    }
    return { totalMs: performance.now() - started, facts, bytes };
  }

  close(): void {
    this.socket?.close();
  }
}
