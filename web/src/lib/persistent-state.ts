import { useCallback, useState } from 'react';

const PREFIX = 'isengard:';

function read<T>(key: string, fallback: T, parse: (raw: unknown) => T | undefined): T {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    if (raw === null || raw === undefined) return fallback;
    return parse(JSON.parse(raw)) ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * State kept in localStorage between visits (a disclosure's open state, the last generation settings). A value
 * that does not parse falls back to the default; storage that is full or switched off is ignored.
 */
export function usePersistentState<T>(
  key: string,
  fallback: T,
  parse: (raw: unknown) => T | undefined,
): [T, (next: T | ((current: T) => T)) => void] {
  const [value, setValue] = useState<T>(() => read(key, fallback, parse));
  const set = useCallback(
    (next: T | ((current: T) => T)) => {
      setValue((current) => {
        const resolved = typeof next === 'function' ? (next as (c: T) => T)(current) : next;
        try {
          globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(resolved));
        } catch {
          // Private mode or a full quota: the value lives until the page closes.
        }
        return resolved;
      });
    },
    [key],
  );
  return [value, set];
}

export const parseBoolean = (raw: unknown) => (typeof raw === 'boolean' ? raw : undefined);
