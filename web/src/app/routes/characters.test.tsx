import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { defaultTriggerWord } from '../../../../lib/contracts/characters';
import { buildCharacter } from '../../testing/fixtures/characters';
import { db } from '../../testing/msw/db';
import { renderApp } from '../../testing/test-utils';

function characterList() {
  return screen.findByRole('list', { name: /your characters/i });
}

describe('Characters page', () => {
  it('invites creating the first character, then lists the one created', async () => {
    const user = userEvent.setup();
    renderApp('/characters');

    expect(await screen.findByText(/no characters yet/i)).toBeTruthy();

    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Subject Two');
    await user.click(screen.getByRole('button', { name: 'Create character' }));

    expect(await screen.findByRole('link', { name: 'Subject Two' })).toBeTruthy();
    expect(screen.getByText(/created subject two/i)).toBeTruthy();
    expect(screen.queryByText(/no characters yet/i)).toBeNull();
    expect(db.characters.map((c) => c.triggerWord)).toEqual([defaultTriggerWord('Subject Two')]);
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('');
  });

  it('shows the trigger word the server will derive from the name', async () => {
    const user = userEvent.setup();
    renderApp('/characters');

    const triggerWord = await screen.findByRole('textbox', { name: /trigger word/i });
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Zoë');

    const derived = defaultTriggerWord('Zoë');
    expect(triggerWord.getAttribute('placeholder')).toBe(derived);
    expect(triggerWord.getAttribute('aria-describedby')).toBeTruthy();
    const hint = document.getElementById(triggerWord.getAttribute('aria-describedby')!.split(' ').at(-1)!);
    expect(hint?.textContent).toContain(derived);
  });

  it("shows the API's validation errors next to their fields", async () => {
    const user = userEvent.setup();
    renderApp('/characters');

    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'Alan Turing');
    await user.type(screen.getByRole('textbox', { name: /trigger word/i }), 'alan turing');
    await user.click(screen.getByRole('button', { name: 'Create character' }));

    const triggerWord = screen.getByRole('textbox', { name: /trigger word/i });
    await waitFor(() => expect(triggerWord.getAttribute('aria-invalid')).toBe('true'));
    expect(triggerWord.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText('Trigger word can only use letters A–Z, digits, - and _ (no spaces)')).toBeTruthy();
    expect(document.activeElement).toBe(triggerWord);
    expect(screen.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBeNull();
    expect(db.characters).toHaveLength(0);
  });

  it('shows an empty name as a field error', async () => {
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Create character' }));

    expect(await screen.findByText('Name cannot be empty')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true');
  });

  it('shows a name that is already taken as an error on the name field', async () => {
    db.characters = [buildCharacter({ name: 'Subject One' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'Subject One');
    await user.click(screen.getByRole('button', { name: 'Create character' }));

    expect(await screen.findByText('A character named "Subject One" already exists')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true');
  });

  it('renames a character in place', async () => {
    db.characters = [buildCharacter({ name: 'Subject One' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Subject One' }));
    const input = screen.getByRole('textbox', { name: 'New name for Subject One' });
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    await user.type(input, 'Subject One Renamed');
    await user.click(within(await characterList()).getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('link', { name: 'Subject One Renamed' })).toBeTruthy();
    expect(db.characters[0]?.name).toBe('Subject One Renamed');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename Subject One Renamed' })));
  });

  it('keeps the old name when a rename is cancelled with Escape', async () => {
    db.characters = [buildCharacter({ name: 'Subject One' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Subject One' }));
    await user.type(screen.getByRole('textbox', { name: 'New name for Subject One' }), ' II{Escape}');

    expect(screen.getByRole('link', { name: 'Subject One' })).toBeTruthy();
    expect(db.characters[0]?.name).toBe('Subject One');
  });

  it('shows a rename to a taken name as an error on that row', async () => {
    db.characters = [buildCharacter({ name: 'Subject One' }), buildCharacter({ name: 'Subject Two' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Subject Two' }));
    const input = screen.getByRole('textbox', { name: 'New name for Subject Two' });
    await user.clear(input);
    await user.type(input, 'Subject One{Enter}');

    expect(await screen.findByText('A character named "Subject One" already exists')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('deletes a character only after confirmation', async () => {
    db.characters = [buildCharacter({ name: 'Subject One' }), buildCharacter({ name: 'Subject Two' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Delete Subject One' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete Subject One?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(db.characters).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Delete Subject One' }));
    dialog = screen.getByRole('dialog', { name: 'Delete Subject One?' });
    // The dialog says what goes with the character before it can be confirmed.
    await within(dialog).findByText('Subject One has no photos, training runs or models yet.');
    await user.click(within(dialog).getByRole('button', { name: 'Delete Subject One' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByRole('link', { name: 'Subject One' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Subject Two' })).toBeTruthy();
    expect(screen.getByText('Deleted Subject One.')).toBeTruthy();
    expect(db.characters.map((c) => c.name)).toEqual(['Subject Two']);
  });
});
