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

    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Grace Hopper');
    await user.click(screen.getByRole('button', { name: 'Create character' }));

    expect(await screen.findByRole('link', { name: 'Grace Hopper' })).toBeTruthy();
    expect(screen.getByText(/created grace hopper/i)).toBeTruthy();
    expect(screen.queryByText(/no characters yet/i)).toBeNull();
    expect(db.characters.map((c) => c.triggerWord)).toEqual([defaultTriggerWord('Grace Hopper')]);
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
    db.characters = [buildCharacter({ name: 'Ada Lovelace' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.type(await screen.findByRole('textbox', { name: 'Name' }), 'Ada Lovelace');
    await user.click(screen.getByRole('button', { name: 'Create character' }));

    expect(await screen.findByText('A character named "Ada Lovelace" already exists')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true');
  });

  it('renames a character in place', async () => {
    db.characters = [buildCharacter({ name: 'Ada Lovelace' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Ada Lovelace' }));
    const input = screen.getByRole('textbox', { name: 'New name for Ada Lovelace' });
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    await user.type(input, 'Augusta Ada King');
    await user.click(within(await characterList()).getByRole('button', { name: 'Save' }));

    expect(await screen.findByRole('link', { name: 'Augusta Ada King' })).toBeTruthy();
    expect(db.characters[0]?.name).toBe('Augusta Ada King');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename Augusta Ada King' })));
  });

  it('keeps the old name when a rename is cancelled with Escape', async () => {
    db.characters = [buildCharacter({ name: 'Ada Lovelace' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Ada Lovelace' }));
    await user.type(screen.getByRole('textbox', { name: 'New name for Ada Lovelace' }), ' II{Escape}');

    expect(screen.getByRole('link', { name: 'Ada Lovelace' })).toBeTruthy();
    expect(db.characters[0]?.name).toBe('Ada Lovelace');
  });

  it('shows a rename to a taken name as an error on that row', async () => {
    db.characters = [buildCharacter({ name: 'Ada Lovelace' }), buildCharacter({ name: 'Grace Hopper' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Rename Grace Hopper' }));
    const input = screen.getByRole('textbox', { name: 'New name for Grace Hopper' });
    await user.clear(input);
    await user.type(input, 'Ada Lovelace{Enter}');

    expect(await screen.findByText('A character named "Ada Lovelace" already exists')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('deletes a character only after confirmation', async () => {
    db.characters = [buildCharacter({ name: 'Ada Lovelace' }), buildCharacter({ name: 'Grace Hopper' })];
    const user = userEvent.setup();
    renderApp('/characters');

    await user.click(await screen.findByRole('button', { name: 'Delete Ada Lovelace' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete Ada Lovelace?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(db.characters).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Delete Ada Lovelace' }));
    dialog = screen.getByRole('dialog', { name: 'Delete Ada Lovelace?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete Ada Lovelace' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByRole('link', { name: 'Ada Lovelace' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Grace Hopper' })).toBeTruthy();
    expect(screen.getByText('Deleted Ada Lovelace.')).toBeTruthy();
    expect(db.characters.map((c) => c.name)).toEqual(['Grace Hopper']);
  });
});
