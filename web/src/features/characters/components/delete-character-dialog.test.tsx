import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildGeneration } from '../../../testing/fixtures/generations';
import { buildPhoto } from '../../../testing/fixtures/photos';
import { buildLora, buildTrainingRun } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { renderApp } from '../../../testing/test-utils';

function setup({ running }: { running: boolean }) {
  const character = buildCharacter({ name: 'Leaving Soon' });
  db.characters = [character];
  db.photos = Array.from({ length: 14 }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i}.jpg` }));
  const done = buildTrainingRun({ characterId: character.id, status: 'completed', phase: 'done' });
  const active = buildTrainingRun({ characterId: character.id, status: 'running', phase: 'training' });
  db.trainingRuns = running ? [done, active] : [done];
  db.loras = [buildLora({ characterId: character.id })];
  db.generations = [buildGeneration({ characterId: character.id, status: 'completed' })];
  const user = userEvent.setup();
  return { character, active, user, ...renderApp('/characters') };
}

async function openDialog(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Delete Leaving Soon' }));
  return screen.findByRole('dialog', { name: 'Delete Leaving Soon?' });
}

describe('The delete dialog of a character', () => {
  it('says what exists now and goes with it, and what stays', { timeout: 20_000 }, async () => {
    const { user, character } = setup({ running: false });
    const dialog = await openDialog(user);
    await within(dialog).findByText('Deleted with Leaving Soon: 14 photos, 1 training run and 1 trained model.');
    const pictures = db.generations[0]!.outputs.length;
    expect(dialog.textContent).toContain(`The ${pictures} picture${pictures === 1 ? '' : 's'} generated of Leaving Soon stay in the gallery.`);
    expect(dialog.textContent).toContain('Nothing of Leaving Soon is running.');
    const confirm = within(dialog).getByRole('button', { name: 'Delete Leaving Soon' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(false);
    await user.click(confirm);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(db.characters.find((c) => c.id === character.id)).toBeUndefined();
  });

  it('cannot delete while a training runs: links to it instead; Cancel keeps everything', { timeout: 20_000 }, async () => {
    const { user, active } = setup({ running: true });
    const dialog = await openDialog(user);
    const link = await within(dialog).findByRole('link', { name: 'A training (running)' });
    expect(link.getAttribute('href')).toBe(`/trainings/${active.id}`);
    expect(within(dialog).getByRole('alert').textContent).toContain('it must end before the character can be deleted');
    expect((within(dialog).getByRole('button', { name: 'Delete Leaving Soon' }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(db.characters).toHaveLength(1);
  });
});
