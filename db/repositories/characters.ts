import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Character } from '../../lib/contracts/characters';
import type { Database } from '../client';
import { characters } from '../schema';

type Row = typeof characters.$inferSelect;

export function toCharacter(row: Row): Character {
  return {
    id: row.id,
    name: row.name,
    triggerWord: row.triggerWord,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const live = isNull(characters.deletedAt);

/**
 * A condition for a character's list (photos, runs, LoRAs): true while the character is live, so one query both
 * lists and checks; an empty answer is then told apart from a missing character with {@link getCharacter}.
 */
export function characterIsLive(id: string): SQL {
  return sql`exists (select 1 from ${characters} where ${characters.id} = ${id} and ${characters.deletedAt} is null)`;
}

/** Another live character already has this name (names are unique, ignoring case). */
export class DuplicateNameError extends Error {
  constructor(name: string) {
    super(`A character named "${name}" already exists`);
    this.name = 'DuplicateNameError';
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

async function nameTaken(db: Database, name: string, exceptId?: string): Promise<boolean> {
  const rows = await db
    .select({ id: characters.id })
    .from(characters)
    .where(and(live, sql`lower(${characters.name}) = lower(${name})`));
  return rows.some((r) => r.id !== exceptId);
}

export async function createCharacter(
  db: Database,
  input: { name: string; triggerWord: string; notes?: string | undefined },
): Promise<Character> {
  if (await nameTaken(db, input.name)) throw new DuplicateNameError(input.name);
  try {
    const [row] = await db.insert(characters).values(input).returning();
    return toCharacter(row!);
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateNameError(input.name);
    throw err;
  }
}

export async function listCharacters(db: Database): Promise<Character[]> {
  const rows = await db.select().from(characters).where(live).orderBy(asc(characters.createdAt), asc(characters.id));
  return rows.map(toCharacter);
}

export async function getCharacter(db: Database, id: string): Promise<Character | undefined> {
  const [row] = await db.select().from(characters).where(and(eq(characters.id, id), live));
  return row ? toCharacter(row) : undefined;
}

export async function updateCharacter(
  db: Database,
  id: string,
  patch: { name?: string | undefined; triggerWord?: string | undefined; notes?: string | undefined },
): Promise<Character | undefined> {
  if (patch.name !== undefined && (await nameTaken(db, patch.name, id))) throw new DuplicateNameError(patch.name);
  try {
    const [row] = await db
      .update(characters)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(characters.id, id), live))
      .returning();
    return row ? toCharacter(row) : undefined;
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateNameError(patch.name ?? '');
    throw err;
  }
}

/** Soft delete: the row stays for the records that refer to it. False when there was nothing to delete. */
export async function deleteCharacter(db: Database, id: string): Promise<boolean> {
  const rows = await db
    .update(characters)
    .set({ deletedAt: new Date() })
    .where(and(eq(characters.id, id), live))
    .returning({ id: characters.id });
  return rows.length > 0;
}
