/**
 * Prompt history (`PromptQueue.history`, spec §2.2): in memory, insertion (completion) order, capped at 10 000
 * entries (oldest dropped), lost on restart. An entry is `{prompt: queue item, outputs, status, meta}`.
 */
import type { Jsonish, PyDict, PyFloat } from './py';

export type Priority = number | PyFloat;

export interface QueueItem {
  number: Priority;
  promptId: string;
  prompt: PyDict;
  extraData: PyDict;
  outputs: string[];
}

export const itemJson = (it: QueueItem): Jsonish => [it.number, it.promptId, it.prompt, it.extraData, it.outputs];

export interface HistoryStatus {
  status_str: 'success' | 'error';
  completed: boolean;
  messages: [string, Jsonish][];
}

export interface HistoryEntry {
  prompt: QueueItem;
  outputs: Map<string, Jsonish>;
  status: HistoryStatus | null;
  meta: Map<string, Jsonish>;
}

export const historyJson = (h: HistoryEntry): Jsonish => ({
  prompt: itemJson(h.prompt),
  outputs: h.outputs,
  status: h.status ? { status_str: h.status.status_str, completed: h.status.completed, messages: h.status.messages } : null,
  meta: h.meta,
});

const MAXIMUM_HISTORY_SIZE = 10000;
const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org'];

export class History {
  private readonly entries = new Map<string, HistoryEntry>();

  /** `task_done`'s write: API keys stripped; a reused prompt_id overwrites the entry in place. */
  add(prompt: QueueItem, result: { outputs: Map<string, Jsonish>; meta: Map<string, Jsonish> }, status: HistoryStatus | null): void {
    if (this.entries.size > MAXIMUM_HISTORY_SIZE) this.entries.delete(this.entries.keys().next().value!);
    for (const k of SENSITIVE_EXTRA_DATA_KEYS) prompt.extraData.delete(k);
    this.entries.set(prompt.promptId, { prompt, outputs: result.outputs, status, meta: result.meta });
  }

  /** `get_history`: one id, or `max_items` from `offset` (`max_items` alone = the last N). */
  get(opts: { promptId?: string; maxItems?: number | null; offset?: number }): Map<string, HistoryEntry> {
    const out = new Map<string, HistoryEntry>();
    if (opts.promptId !== undefined) {
      const h = this.entries.get(opts.promptId);
      if (h) out.set(opts.promptId, h);
      return out;
    }
    const maxItems = opts.maxItems ?? null;
    let offset = opts.offset ?? -1;
    if (offset < 0 && maxItems !== null) offset = this.entries.size - maxItems;
    let i = 0;
    for (const [k, v] of this.entries) {
      if (i >= offset) {
        out.set(k, v);
        if (maxItems !== null && out.size >= maxItems) break;
      }
      i++;
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
