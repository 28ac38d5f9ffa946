import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildPhoto } from '../../../testing/fixtures/photos';
import { db } from '../../../testing/msw/db';
import { renderApp } from '../../../testing/test-utils';

function setup(photos: number) {
  const character = buildCharacter({ name: 'Few Photos' });
  db.characters = [character];
  db.photos = Array.from({ length: photos }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i}.jpg` }));
  const user = userEvent.setup();
  return { character, user, ...renderApp(`/train?character=${character.id}`) };
}

describe('Training on fewer than 10 good photos', () => {
  it('asks first, saying why; Cancel sends nothing, Train anyway sends the confirmation and opens the run', { timeout: 20_000 }, async () => {
    const { user, router } = setup(4);
    const start = await screen.findByRole('button', { name: 'Start training (Balanced)' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    await user.click(start);
    const dialog = await screen.findByRole('dialog', { name: 'Fewer than 10 good photos' });
    expect(dialog.textContent).toContain('Few Photos has 4 good photos: the model may not look like them.');
    expect(within(dialog).getByRole('link', { name: 'Add photos of Few Photos' })).toBeTruthy();
    // The safe choice has the focus.
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(db.trainingRequests).toEqual([]);

    await user.click(start);
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Train anyway' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/trainings/${db.trainingRuns[0]?.id}`));
    expect(db.trainingRequests).toEqual([{ preset: 'balanced', confirmFewPhotos: true }]);
  });

  it('asks when the API does (the photos changed since the page read them)', async () => {
    const { user, character } = setup(12);
    const start = await screen.findByRole('button', { name: 'Start training (Balanced)' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    // Photos deleted elsewhere: the page still counts 12.
    db.photos = db.photos.slice(0, 3);
    await user.click(start);
    const dialog = await screen.findByRole('dialog', { name: 'Fewer than 10 good photos' });
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Train anyway' }));
    await waitFor(() => expect(db.trainingRuns).toHaveLength(1));
    expect(db.trainingRequests.map((r) => r.confirmFewPhotos)).toEqual([undefined, true]);
    expect(db.trainingRuns[0]!.characterId).toBe(character.id);
  });

  it('does not offer a training without a photo marked for training, and says why', async () => {
    const character = buildCharacter({ name: 'All Flagged' });
    db.characters = [character];
    db.photos = [buildPhoto({ characterId: character.id, checks: { tooSmall: { shortSide: 300, minimum: 512, failed: true } } })];
    renderApp(`/train?character=${character.id}`);
    expect(await screen.findByText(/every photo has a warning/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /Start training/ }) as HTMLButtonElement).disabled).toBe(true);
  });
});
