import { http, HttpResponse } from 'msw';
import {
  createCharacterInput,
  defaultTriggerWord,
  updateCharacterInput,
  type Character,
} from '../../../../../lib/contracts/characters';
import { newCorrelationId } from '../../../lib/correlation-id';
import { db } from '../db';
import { apiError as error, notFound as missing, validationFailed } from '../responses';
import { deletionImpactOf } from './pre-run';

const nameTaken = (name: string, exceptId?: string) =>
  db.characters.some((c) => c.id !== exceptId && c.name.toLowerCase() === name.toLowerCase());

const conflict = (name: string) => error(409, { code: 'conflict', message: `A character named "${name}" already exists` });
const notFound = () => missing('Character');

/** A small in-memory version of the characters API, validating with the shared contracts as the real one does. */
export const characterHandlers = [
  http.get('/api/characters', () => HttpResponse.json({ items: db.characters })),

  http.post('/api/characters', async ({ request }) => {
    const parsed = createCharacterInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    const { name, triggerWord, notes } = parsed.data;
    if (nameTaken(name)) return conflict(name);
    const now = new Date().toISOString();
    const character: Character = {
      id: newCorrelationId(),
      name,
      triggerWord: triggerWord ?? defaultTriggerWord(name),
      notes: notes ?? '',
      createdAt: now,
      updatedAt: now,
    };
    db.characters.push(character);
    return HttpResponse.json(character, { status: 201 });
  }),

  http.get('/api/characters/:id', ({ params }) => {
    const character = db.characters.find((c) => c.id === params.id);
    return character ? HttpResponse.json(character) : notFound();
  }),

  http.patch('/api/characters/:id', async ({ params, request }) => {
    const index = db.characters.findIndex((c) => c.id === params.id);
    const current = db.characters[index];
    if (!current) return notFound();
    const parsed = updateCharacterInput.safeParse(await request.json());
    if (!parsed.success) return validationFailed(parsed.error.issues);
    if (parsed.data.name !== undefined && nameTaken(parsed.data.name, current.id)) return conflict(parsed.data.name);
    const updated: Character = { ...current, ...parsed.data, updatedAt: new Date().toISOString() };
    db.characters[index] = updated;
    return HttpResponse.json(updated);
  }),

  http.delete('/api/characters/:id', ({ params }) => {
    const impact = deletionImpactOf(String(params.id));
    if (impact.activeTrainings.length + impact.activeGenerations.length > 0) {
      return error(409, { code: 'conflict', message: 'This character still has a job queued or running: stop or cancel it, then delete.' });
    }
    const before = db.characters.length;
    db.characters = db.characters.filter((c) => c.id !== params.id);
    return db.characters.length < before ? new HttpResponse(null, { status: 204 }) : notFound();
  }),
];
