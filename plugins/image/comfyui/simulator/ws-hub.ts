/**
 * The WebSocket side of `server.PromptServer` (spec §3): `/ws?clientId=`, the first `status` frame with `sid`, the
 * reconnect `executing` frame, feature-flag negotiation on the first client message, and routing: a message for a
 * sid goes to that socket only (silently dropped if it is not connected), no sid means broadcast.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { pyJsonDumps, pyJsonLoads, type Jsonish } from './py';

export interface HubHooks {
  queueRemaining(): number;
  /** The client id owning the running prompt and the node it runs, for the reconnect frame. */
  runningFor(): { clientId: unknown; lastNodeId: string | null };
  serverFeatures(): Jsonish;
  log(line: string): void;
}

export const BinaryEvent = { PREVIEW_IMAGE: 1, UNENCODED_PREVIEW_IMAGE: 2, TEXT: 3, PREVIEW_IMAGE_WITH_METADATA: 4 } as const;

export class WsHub {
  private readonly sockets = new Map<string, WebSocket>();
  private readonly flags = new Map<string, Map<string, unknown>>();

  constructor(private readonly hooks: HubHooks) {}

  attach(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let sid = url.searchParams.get('clientId') ?? '';
    if (sid) this.sockets.delete(sid);
    else sid = randomUUID().replace(/-/g, '');
    this.sockets.set(sid, ws);
    this.flags.set(sid, new Map());
    this.sendTo(ws, 'status', { status: { exec_info: { queue_remaining: this.hooks.queueRemaining() } }, sid });
    const running = this.hooks.runningFor();
    if (running.clientId === sid && running.lastNodeId !== null) this.sendTo(ws, 'executing', { node: running.lastNodeId });
    let first = true;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const msg = pyJsonLoads(data.toString());
        if (first && msg instanceof Map && msg.get('type') === 'feature_flags') {
          const clientFlags = msg.get('data');
          const stored = new Map<string, unknown>();
          if (clientFlags instanceof Map) for (const [k, v] of clientFlags) stored.set(k, v);
          if (this.sockets.get(sid) === ws) this.flags.set(sid, stored);
          this.sendTo(ws, 'feature_flags', this.hooks.serverFeatures());
        }
        first = false;
      } catch {
        this.hooks.log(`Invalid JSON received from client ${sid}: ${data.toString()}`);
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      // Upstream pops the sid even when a newer socket took it over; we only forget our own socket.
      if (this.sockets.get(sid) === ws) {
        this.sockets.delete(sid);
        this.flags.delete(sid);
      }
    });
  }

  supportsPreviewMetadata(sid: unknown): boolean {
    return typeof sid === 'string' && this.flags.get(sid)?.get('supports_preview_metadata') === true;
  }

  private sendTo(ws: WebSocket, type: string, data: Jsonish) {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(pyJsonDumps({ type, data }), () => undefined);
  }

  /** JSON message; sid null/undefined = broadcast. */
  send(type: string, data: Jsonish, sid: unknown): void {
    if (sid === null || sid === undefined) {
      for (const ws of this.sockets.values()) this.sendTo(ws, type, data);
      return;
    }
    if (typeof sid !== 'string') return;
    const ws = this.sockets.get(sid);
    if (ws) this.sendTo(ws, type, data);
  }

  /** Binary frame: big-endian uint32 event type, then the payload. */
  sendBytes(event: number, payload: Buffer, sid: unknown): void {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(event);
    const frame = Buffer.concat([head, payload]);
    const targets = sid === null || sid === undefined ? [...this.sockets.values()] : typeof sid === 'string' && this.sockets.has(sid) ? [this.sockets.get(sid)!] : [];
    for (const ws of targets) if (ws.readyState === WebSocket.OPEN) ws.send(frame, () => undefined);
  }

  /** Fault `dropws`: every connection cut without a close handshake. */
  dropAll(): void {
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    this.flags.clear();
  }

  /** Shutdown: close frames (1001 going away). */
  closeAll(): void {
    for (const ws of this.sockets.values()) ws.close(1001, 'server shutdown');
  }
}
