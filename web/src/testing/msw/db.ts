import type { Character } from '../../../../lib/contracts/characters';
import type { ClientLogEntry } from '../../lib/error-reporting';

/** What the fake API remembers during one test; reset after each test. */
export const db = {
  characters: [] as Character[],
  clientLogs: [] as ClientLogEntry[],
  /** The X-Correlation-ID of every request the fake API saw. */
  correlationIds: [] as (string | null)[],
};

export function resetDb(): void {
  db.characters = [];
  db.clientLogs = [];
  db.correlationIds = [];
}
