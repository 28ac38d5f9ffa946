import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../client';
import { characters, generations, trainingRuns } from '../schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function short(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Job ids as GPU workers know them (`training-<run>`, `generation-<id>`, `self-test-<id>`), in words a person
 * recognises: "the training of Ada", "the generation “a portrait…”". An id it cannot place is given as it is.
 */
export async function labelJobs(db: Database, jobIds: string[]): Promise<Map<string, string>> {
  const ids = (prefix: string) => jobIds.filter((j) => j.startsWith(prefix)).map((j) => j.slice(prefix.length)).filter((id) => UUID.test(id));
  const [runs, gens] = await Promise.all([
    ids('training-').length === 0
      ? []
      : db
          .select({ id: trainingRuns.id, name: characters.name })
          .from(trainingRuns)
          .innerJoin(characters, eq(characters.id, trainingRuns.characterId))
          .where(inArray(trainingRuns.id, ids('training-'))),
    ids('generation-').length === 0
      ? []
      : db.select({ id: generations.id, prompt: generations.prompt }).from(generations).where(inArray(generations.id, ids('generation-'))),
  ]);
  const labels = new Map<string, string>();
  for (const run of runs) labels.set(`training-${run.id}`, `the training of ${run.name}`);
  for (const gen of gens) labels.set(`generation-${gen.id}`, `the generation “${short(gen.prompt)}”`);
  for (const id of jobIds) if (!labels.has(id)) labels.set(id, id.startsWith('self-test-') ? 'a self-test' : id);
  return labels;
}
