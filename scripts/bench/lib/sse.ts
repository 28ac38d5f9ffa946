/** A minimal server-sent events client that notes when each event arrived (wall clock, ms since the epoch). */

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
  /** Date.now() when the event's last line arrived: the same clock as the servers' log timestamps. */
  arrivedAt: number;
}

export interface SseStream {
  /** Resolves once the response headers arrived (the server has subscribed the stream). */
  opened: Promise<void>;
  close(): void;
}

export function openSse(url: string, onEvent: (event: SseEvent) => void): SseStream {
  const controller = new AbortController();
  let resolveOpened!: () => void;
  let rejectOpened!: (err: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => ((resolveOpened = resolve), (rejectOpened = reject)));
  opened.catch(() => {});
  void (async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`SSE ${url} → ${response.status}`);
      resolveOpened();
      const decoder = new TextDecoder();
      let buffer = '';
      let current: { event: string; id: string | undefined; data: string[] } = { event: 'message', id: undefined, data: [] };
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') {
            if (current.data.length > 0) {
              onEvent({ event: current.event, id: current.id, data: current.data.join('\n'), arrivedAt: Date.now() });
            }
            current = { event: 'message', id: undefined, data: [] };
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
            else if (field === 'data') current.data.push(value);
          }
        }
      }
    } catch (err) {
      rejectOpened(err);
    }
  })();
  return { opened, close: () => controller.abort() };
}
