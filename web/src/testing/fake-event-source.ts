import { act } from '@testing-library/react';
import type { EventSourceLike } from '../lib/events/event-stream';

/**
 * A scripted stand-in for the browser's EventSource (jsdom has none), injected through EventSourceContext
 * (web.md §5.4). Tests open it, emit named events, drop the connection and bring it back.
 */
export class FakeEventSource implements EventSourceLike {
  static instances: FakeEventSource[] = [];

  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  static create = (url: string): FakeEventSource => new FakeEventSource(url);

  /** The newest stream whose URL contains `part`. */
  static latest(part: string): FakeEventSource {
    const found = [...FakeEventSource.instances].reverse().find((s) => s.url.includes(part));
    if (!found) throw new Error(`No event stream was opened for ${part} (opened: ${FakeEventSource.instances.map((s) => s.url).join(', ') || 'none'})`);
    return found;
  }

  static reset(): void {
    FakeEventSource.instances = [];
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = 2;
    this.closed = true;
  }

  /** The server accepted the connection. */
  open(): void {
    act(() => {
      this.readyState = 1;
      this.onopen?.(new Event('open'));
    });
  }

  /** The server sent `event:` with `data:` (JSON) and `id:`. */
  emit(type: string, data: unknown, id = ''): void {
    act(() => {
      const message = new MessageEvent<string>(type, { data: JSON.stringify(data), lastEventId: id });
      for (const listener of this.listeners.get(type) ?? []) listener(message);
    });
  }

  /** The connection broke; the browser will try again by itself (readyState CONNECTING). */
  drop(): void {
    act(() => {
      this.readyState = 0;
      this.onerror?.(new Event('error'));
    });
  }
}
