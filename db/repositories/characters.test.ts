import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseKinds } from '../../test/helpers/databases';
import type { DatabaseHandle } from '../client';
import {
  createCharacter,
  deleteCharacter,
  DuplicateNameError,
  getCharacter,
  listCharacters,
  updateCharacter,
} from './characters';

describe.each(testDatabaseKinds())('characters on %s', (kind) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('creates, reads, lists, updates and soft-deletes', async () => {
    const { db } = handle;
    const ada = await createCharacter(db, { name: 'Ada', triggerWord: 'ada_x1' });
    expect(ada).toMatchObject({ name: 'Ada', triggerWord: 'ada_x1', notes: '' });
    expect(await getCharacter(db, ada.id)).toEqual(ada);

    const renamed = await updateCharacter(db, ada.id, { name: 'Ada L.', notes: 'mathematician' });
    expect(renamed).toMatchObject({ name: 'Ada L.', notes: 'mathematician', triggerWord: 'ada_x1' });
    expect(new Date(renamed!.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(ada.updatedAt).getTime());

    expect(await deleteCharacter(db, ada.id)).toBe(true);
    expect(await getCharacter(db, ada.id)).toBeUndefined();
    expect(await deleteCharacter(db, ada.id)).toBe(false);
    expect(await updateCharacter(db, ada.id, { notes: 'x' })).toBeUndefined();
    expect((await listCharacters(db)).map((c) => c.id)).not.toContain(ada.id);
  });

  it('keeps names unique among live characters, ignoring case', async () => {
    const { db } = handle;
    const first = await createCharacter(db, { name: 'Grace', triggerWord: 'grace_1' });
    await expect(createCharacter(db, { name: 'GRACE', triggerWord: 'grace_2' })).rejects.toBeInstanceOf(DuplicateNameError);
    const other = await createCharacter(db, { name: 'Alan', triggerWord: 'alan_1' });
    await expect(updateCharacter(db, other.id, { name: 'grace' })).rejects.toBeInstanceOf(DuplicateNameError);
    // A character may keep its own name, and a deleted name is free again.
    expect(await updateCharacter(db, first.id, { name: 'Grace' })).toBeDefined();
    await deleteCharacter(db, first.id);
    expect(await createCharacter(db, { name: 'Grace', triggerWord: 'grace_3' })).toMatchObject({ name: 'Grace' });
  });

  it('stores any text verbatim: unicode, right-to-left and SQL-looking names', async () => {
    const { db } = handle;
    for (const name of ['زينب', 'Zoë 🎨', "Robert'); DROP TABLE characters;--"]) {
      const created = await createCharacter(db, { name, triggerWord: 'tw_1' });
      expect((await getCharacter(db, created.id))?.name).toBe(name);
    }
    expect((await listCharacters(db)).length).toBeGreaterThanOrEqual(3);
  });

  it('lists in creation order', async () => {
    const { db } = handle;
    const names = (await listCharacters(db)).map((c) => c.name);
    expect(names.indexOf('Alan')).toBeLessThan(names.indexOf('زينب'));
  });
});
