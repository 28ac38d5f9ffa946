import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../testing/fixtures/characters';
import { db } from '../../testing/msw/db';
import { renderApp } from '../../testing/test-utils';

describe('Character page', () => {
  it('shows the character with its photos, models and runs, and saves edited notes', async () => {
    const character = buildCharacter({ name: 'Subject One', triggerWord: 'subjone_x1', notes: 'Original notes' });
    db.characters = [character];
    const user = userEvent.setup();
    renderApp(`/characters/${character.id}`);

    expect(await screen.findByRole('heading', { level: 1, name: 'Subject One' })).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Trigger word' }) as HTMLInputElement).value).toBe('subjone_x1');
    const photos = screen.getByRole('region', { name: 'Photos' });
    expect(await within(photos).findByText('No good photos yet — add at least 10')).toBeTruthy();
    expect(within(photos).getByRole('button', { name: 'Choose photos' })).toBeTruthy();
    expect(await screen.findByText('No training yet.')).toBeTruthy();
    expect(screen.getByText(/no trained model of subject one yet/i)).toBeTruthy();

    const notes = screen.getByRole('textbox', { name: /notes/i });
    await user.clear(notes);
    await user.type(notes, 'Edited notes');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText('Changes saved.')).toBeTruthy();
    expect(db.characters[0]?.notes).toBe('Edited notes');
  });

  it('renames from the details form and shows a taken name on the name field', async () => {
    const first = buildCharacter({ name: 'Subject One' });
    db.characters = [first, buildCharacter({ name: 'Subject Two' })];
    const user = userEvent.setup();
    renderApp(`/characters/${first.id}`);

    const name = await screen.findByRole('textbox', { name: 'Name' });
    await user.clear(name);
    await user.type(name, 'Subject Two');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('A character named "Subject Two" already exists')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');

    await user.clear(name);
    await user.type(name, 'Subject One Renamed');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Subject One Renamed' })).toBeTruthy();
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBeNull());
  });

  it('says so when the character does not exist', async () => {
    renderApp('/characters/0b7f5a52-6a43-4c1e-9a8e-3c2d1b0a9f8e');

    expect(await screen.findByRole('heading', { level: 1, name: 'Character not found' })).toBeTruthy();
    expect(screen.getByRole('link', { name: /all characters/i })).toBeTruthy();
  });
});
