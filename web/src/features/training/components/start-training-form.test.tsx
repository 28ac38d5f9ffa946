import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../../../lib/contracts/training';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildPhoto } from '../../../testing/fixtures/photos';
import { buildTrainingRun } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { renderApp } from '../../../testing/test-utils';

function setup({ photos = 12 } = {}) {
  const character = buildCharacter({ name: 'Subject One' });
  db.characters = [character];
  db.photos = Array.from({ length: photos }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i}.jpg` }));
  const user = userEvent.setup();
  const view = renderApp(`/train?character=${character.id}`);
  return { character, user, ...view };
}

const advancedButton = () => screen.findByRole('button', { name: 'Advanced settings' });

describe('Starting a training', () => {
  it('starts from the chosen preset with one click, and opens the run', async () => {
    const { user, router } = setup();
    expect(await screen.findByText('12 good photos — ready to train.', { exact: false })).toBeTruthy();
    for (const preset of Object.values(PRESETS)) {
      const radio = screen.getByRole('radio', { name: new RegExp(`^${preset.label}`) });
      expect(radio.closest('label')?.textContent).toContain(preset.description);
    }
    expect((screen.getByRole('radio', { name: /^Balanced/ }) as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole('radio', { name: /^Quick/ }));
    await user.click(screen.getByRole('button', { name: 'Start training (Quick)' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/trainings/${db.trainingRuns[0]?.id}`));
    expect(db.trainingRequests).toEqual([{ preset: 'quick' }]);
  });

  it('keeps Advanced closed by default and remembers it open, per form', async () => {
    const { user, unmount } = setup();
    const button = await advancedButton();
    expect(button.getAttribute('aria-expanded')).toBe('false');
    const panel = document.getElementById(button.getAttribute('aria-controls')!)!;
    expect(panel.hidden).toBe(true);
    expect(screen.getByText(/Using the Balanced preset as it is/)).toBeTruthy();

    await user.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(panel.hidden).toBe(false);
    unmount();

    renderApp(`/train?character=${db.characters[0]!.id}`);
    expect((await advancedButton()).getAttribute('aria-expanded')).toBe('true');
  });

  it('has a hint on every setting, shown on focus and closed with Esc', async () => {
    const { user } = setup();
    await user.click(await advancedButton());
    const labels = ['Steps', 'Rank', 'Learning rate', 'Image sizes', 'Save every', 'Sample every', 'Sample prompts', 'Optimizer', 'Quantize the model', 'Low memory mode'];
    for (const label of labels) {
      const hint = screen.getByRole('button', { name: `About ${label}` });
      const text = document.getElementById(hint.getAttribute('aria-describedby')!)!;
      expect(text.getAttribute('role')).toBe('tooltip');
      expect(text.textContent!.length).toBeGreaterThan(40);
    }

    const steps = screen.getByRole('button', { name: 'About Steps' });
    await user.tab();
    steps.focus();
    expect(steps.getAttribute('aria-expanded')).toBe('true');
    await user.keyboard('{Escape}');
    expect(steps.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(steps);
  });

  it('marks every value changed from the preset, with a reset, and sends only those', async () => {
    const { user } = setup();
    await user.click(await advancedButton());
    const steps = screen.getByRole('spinbutton', { name: 'Steps' });
    await user.clear(steps);
    await user.type(steps, '1200');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Rank' }), '32');
    await user.click(within(screen.getByRole('group', { name: 'Image sizes' })).getByRole('checkbox', { name: '1024 px' }));

    const changed = screen.getByRole('list', { name: 'Settings changed from Balanced' });
    expect(within(changed).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['1200 steps', 'rank 32', '512/768 px']);
    expect(screen.getAllByText('Changed')).toHaveLength(3);

    // One reset puts that setting back.
    await user.click(screen.getByRole('button', { name: /Reset Rank to rank 16/ }));
    expect(within(changed).getAllByRole('listitem')).toHaveLength(2);

    // The badges stay visible when the panel is closed.
    await user.click(screen.getByRole('button', { name: 'Advanced settings' }));
    expect(screen.getByRole('list', { name: 'Settings changed from Balanced' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start training (Balanced)' }));
    await waitFor(() => expect(db.trainingRequests).toHaveLength(1));
    expect(db.trainingRequests[0]).toEqual({ preset: 'balanced', advanced: { steps: 1200, resolutions: [512, 768] } });
  });

  it('takes no learning rate with Prodigy, says why, and does not send one', async () => {
    const { user } = setup();
    await user.click(await advancedButton());
    const rate = screen.getByRole('spinbutton', { name: 'Learning rate' });
    await user.clear(rate);
    await user.type(rate, '0.0005');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Optimizer' }), 'prodigy');

    expect(screen.queryByRole('spinbutton', { name: 'Learning rate' })).toBeNull();
    expect(within(screen.getByRole('group', { name: 'Learning rate' })).getByText(/Prodigy finds its own learning rate/)).toBeTruthy();
    const changed = screen.getByRole('list', { name: 'Settings changed from Balanced' });
    expect(within(changed).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['prodigy']);

    await user.click(screen.getByRole('button', { name: 'Start training (Balanced)' }));
    await waitFor(() => expect(db.trainingRequests).toHaveLength(1));
    expect(db.trainingRequests[0]).toEqual({ preset: 'balanced', advanced: { optimizer: 'prodigy' } });
  });

  it('shows a value the contract refuses next to its field, and sends nothing', async () => {
    const { user } = setup();
    await user.click(await advancedButton());
    const steps = screen.getByRole('spinbutton', { name: 'Steps' });
    await user.clear(steps);
    await user.type(steps, '20');
    expect(await screen.findByText('Steps must be at least 100')).toBeTruthy();
    expect(steps.getAttribute('aria-invalid')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Start training (Balanced)' }));
    expect(screen.getByText('Fix the settings marked under Advanced first.')).toBeTruthy();
    expect(db.trainingRequests).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Reset all to Balanced' }));
    expect((steps as HTMLInputElement).value).toBe('2000');
    expect(screen.queryByText('Steps must be at least 100')).toBeNull();
  });

  it('says why it cannot start: no photos, or a training already running', async () => {
    const { character } = setup({ photos: 0 });
    expect(await screen.findByText(/Training needs photos/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /Start training/ }) as HTMLButtonElement).disabled).toBe(true);

    db.photos = [buildPhoto({ characterId: character.id })];
    const running = buildTrainingRun({ characterId: character.id, status: 'running', phase: 'training' });
    db.trainingRuns = [running];
    renderApp(`/train?character=${character.id}`);
    const follow = await screen.findByRole('link', { name: 'Follow that training' });
    expect(follow.getAttribute('href')).toBe(`/trainings/${running.id}`);
    expect(screen.getByText('1 good photo — add at least 9 more.', { exact: false })).toBeTruthy();
  });
});
