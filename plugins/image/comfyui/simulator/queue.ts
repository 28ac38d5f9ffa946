/**
 * `execution.PromptQueue`: a min-heap of queue items `[number, prompt_id, prompt, extra_data, outputs_to_execute]`
 * kept in Python heapq order (so `GET /queue` shows the same raw, unsorted `queue_pending`), the running set, the
 * history write at task end and the flags `/free` sets. Every change calls `onUpdate`, which the server turns into
 * a broadcast `status` message.
 */
import { History, type HistoryStatus, type QueueItem } from './history';
import { deepCopy, num, type Jsonish, type PyValue } from './py';

export { itemJson, type QueueItem } from './history';

/** Tuple comparison of queue items: number, then prompt_id. */
function less(a: QueueItem, b: QueueItem): boolean {
  const x = num(a.number);
  const y = num(b.number);
  if (x !== y) return x < y;
  return a.promptId < b.promptId;
}

// Python's heapq, line for line, so the raw array order matches.
function siftdown(heap: QueueItem[], startpos: number, pos: number) {
  const newitem = heap[pos]!;
  while (pos > startpos) {
    const parentpos = (pos - 1) >> 1;
    const parent = heap[parentpos]!;
    if (less(newitem, parent)) {
      heap[pos] = parent;
      pos = parentpos;
      continue;
    }
    break;
  }
  heap[pos] = newitem;
}

function siftup(heap: QueueItem[], pos: number) {
  const endpos = heap.length;
  const startpos = pos;
  const newitem = heap[pos]!;
  let childpos = 2 * pos + 1;
  while (childpos < endpos) {
    const rightpos = childpos + 1;
    if (rightpos < endpos && !less(heap[childpos]!, heap[rightpos]!)) childpos = rightpos;
    heap[pos] = heap[childpos]!;
    pos = childpos;
    childpos = 2 * pos + 1;
  }
  heap[pos] = newitem;
  siftdown(heap, startpos, pos);
}

function heapify(heap: QueueItem[]) {
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftup(heap, i);
}

function copyItem(it: QueueItem): QueueItem {
  return { number: it.number, promptId: it.promptId, prompt: deepCopy(it.prompt), extraData: deepCopy(it.extraData), outputs: [...it.outputs] };
}

export class PromptQueue {
  private queue: QueueItem[] = [];
  private taskCounter = 0;
  readonly running = new Map<number, QueueItem>();
  readonly history = new History();
  readonly flags = new Map<string, PyValue>();
  private waiters: (() => void)[] = [];

  constructor(private readonly onUpdate: () => void) {}

  put(item: QueueItem): void {
    this.queue.push(item);
    siftdown(this.queue, 0, this.queue.length - 1);
    this.onUpdate();
    this.wake();
  }

  /** Pops the next item (or null when empty) and marks it running. */
  get(): { item: QueueItem; id: number } | null {
    if (this.queue.length === 0) return null;
    const last = this.queue.pop()!;
    let item = last;
    if (this.queue.length > 0) {
      item = this.queue[0]!;
      this.queue[0] = last;
      siftup(this.queue, 0);
    }
    const id = this.taskCounter++;
    this.running.set(id, copyItem(item));
    this.onUpdate();
    return { item, id };
  }

  /** Resolves when something was queued or a flag was set. */
  waitForWork(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  taskDone(id: number, result: { outputs: Map<string, Jsonish>; meta: Map<string, Jsonish> }, status: HistoryStatus | null): void {
    const prompt = this.running.get(id)!;
    this.running.delete(id);
    this.history.add(prompt, result, status);
    this.onUpdate();
  }

  currentQueue(): { running: QueueItem[]; pending: QueueItem[] } {
    return { running: [...this.running.values()], pending: [...this.queue] };
  }

  tasksRemaining(): number {
    return this.queue.length + this.running.size;
  }

  wipeQueue(): void {
    this.queue = [];
    this.onUpdate();
  }

  deleteQueueItem(match: (it: QueueItem) => boolean): boolean {
    for (let x = 0; x < this.queue.length; x++) {
      if (!match(this.queue[x]!)) continue;
      if (this.queue.length === 1) this.wipeQueue();
      else {
        this.queue.splice(x, 1);
        heapify(this.queue);
      }
      this.onUpdate();
      return true;
    }
    return false;
  }

  setFlag(name: string, value: PyValue): void {
    this.flags.set(name, value);
    this.wake();
  }

  takeFlags(): Map<string, PyValue> {
    const f = new Map(this.flags);
    this.flags.clear();
    return f;
  }
}
