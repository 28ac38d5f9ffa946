import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildGeneration, buildParams } from '../../../testing/fixtures/generations';
import { buildLora } from '../../../testing/fixtures/trainings';
import { FakeEventSource } from '../../../testing/fake-event-source';
import { db } from '../../../testing/msw/db';
import { renderApp } from '../../../testing/test-utils';

function setup(path = '/generate') {
  const first = buildCharacter({ name: 'Subject One' });
  const grace = buildCharacter({ name: 'Subject Two' });
  db.characters = [first, grace];
  const lora = buildLora({ characterId: first.id, name: 'Subject One v1', triggerWord: 'subjone_x1' });
  db.loras = [lora, buildLora({ characterId: grace.id, name: 'Subject Two v1', triggerWord: 'gracehop_x2' })];
  const user = userEvent.setup();
  const view = renderApp(path.replace(':lora', lora.id));
  return { first, lora, user, ...view };
}

const prompt = () => screen.getByRole('textbox', { name: 'Prompt' });

describe('The Generate form', () => {
  it('picks the LoRA asked for in the address, and shows the trigger word it will add', async () => {
    const { user, lora } = setup('/generate?lora=:lora');
    const picker = (await screen.findByRole('combobox', { name: 'Trained model' })) as HTMLSelectElement;
    await waitFor(() => expect(picker.value).toBe(lora.id));
    expect(within(picker).getByRole('group', { name: 'Subject Two' })).toBeTruthy();
    expect(screen.getByText(/Write/).textContent).toContain('subjone_x1');

    await user.type(prompt(), 'reading in a café');
    const note = document.getElementById(prompt().getAttribute('aria-describedby')!.split(' ').at(-1)!)!;
    expect(note.textContent).toBe('subjone_x1 is not in your prompt, so it will be added at the start: “subjone_x1, reading in a café”.');

    await user.clear(prompt());
    await user.type(prompt(), 'subjone_x1 reading in a café');
    expect(note.textContent).toBe('✓ Your prompt names the person with subjone_x1.');
  });

  it('sends the prompt, the LoRA and its strength, the shape and the count; then follows the pictures live', async () => {
    const { user, lora, router } = setup('/generate?lora=:lora');
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Trained model' }) as HTMLSelectElement).value).toBe(lora.id));
    await user.type(prompt(), 'reading in a café');
    await user.click(screen.getByRole('radio', { name: /Square 1:1/ }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Number of pictures' }), '2');
    const strength = screen.getByRole('spinbutton', { name: 'Strength' });
    await user.clear(strength);
    await user.type(strength, '0.8');
    await user.click(screen.getByRole('button', { name: 'Generate 2 pictures' }));

    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toEqual({ prompt: 'reading in a café', batch: 2, loraId: lora.id, loraStrength: 0.8, aspect: 'square' });
    const generation = db.generations[0]!;
    await waitFor(() => expect(router.state.location.search).toContain(`job=${generation.id}`));

    // Queued behind a training: the page says what it waits for.
    const stream = await waitFor(() => FakeEventSource.latest(`/api/generations/${generation.id}/events`));
    stream.open();
    stream.emit('generation', { ...generation, waitingFor: 'waiting for the GPU: training of Subject Two' }, '1');
    const job = screen.getByRole('region', { name: 'Your pictures' });
    // Stream updates go through the query cache, which notifies on the next tick.
    expect(await within(job).findByText('Waiting for the GPU: training of Subject Two.')).toBeTruthy();
    expect(within(job).getByRole('progressbar', { name: 'Generation progress' }).getAttribute('aria-valuenow')).toBeNull();

    stream.emit('generation', { ...generation, status: 'running', progress: 0.75 }, '2');
    expect(await within(job).findByText('Picture 2 of 2 · 75%')).toBeTruthy();
    expect(within(job).getByRole('progressbar').getAttribute('aria-valuetext')).toBe('Picture 2 of 2, 75% in all');
    expect(document.querySelector('.generation-job [aria-live="polite"]')?.textContent).toBe('Making 2 images.');

    const done = { ...generation, status: 'completed' as const, progress: 1, outputs: buildGeneration({ parameters: generation.parameters }).outputs };
    stream.emit('generation', done, '3');
    expect(await within(job).findByText('Done')).toBeTruthy();
    expect(within(job).getAllByRole('img')).toHaveLength(2);
    expect(stream.closed).toBe(true);
  });

  it('checks the custom size against the model’s multiple before sending anything', async () => {
    const { user } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Prompt' }), 'a lighthouse');
    await user.click(screen.getByRole('button', { name: 'Advanced settings' }));
    await user.click(screen.getByRole('checkbox', { name: 'Choose width and height instead of a shape' }));
    expect(screen.getByText('FLUX.1-dev needs each side to be a multiple of 16, from 256 to 2048 px.')).toBeTruthy();
    const width = screen.getByRole('spinbutton', { name: 'Width' });
    await user.clear(width);
    await user.type(width, '1000');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(await screen.findByText('Width must be a multiple of 16 for FLUX.1-dev (got 1000)')).toBeTruthy();
    expect(db.generationRequests).toHaveLength(0);
    // The shape is set by the custom size, and says so.
    expect(screen.getByText(/A custom size is set under Advanced/)).toBeTruthy();

    await user.clear(width);
    await user.type(width, '1008');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toMatchObject({ prompt: 'a lighthouse', width: 1008, height: 1152 });
    expect(db.generationRequests[0]).not.toHaveProperty('aspect');
  });

  it('marks advanced values that differ from the model’s defaults, and keeps the settings for the next visit', async () => {
    const { user, unmount } = setup();
    await user.type(await screen.findByRole('textbox', { name: 'Prompt' }), 'a lighthouse');
    await user.click(screen.getByRole('button', { name: 'Advanced settings' }));
    const steps = screen.getByRole('spinbutton', { name: 'Steps' });
    await user.clear(steps);
    await user.type(steps, '12');
    await user.click(screen.getByRole('checkbox', { name: 'Use a fixed seed' }));
    const seed = screen.getByRole('spinbutton', { name: 'Seed number' });
    await user.clear(seed);
    await user.type(seed, '777');
    const badges = screen.getByRole('list', { name: 'Advanced settings changed from the defaults' });
    expect(within(badges).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['12 steps', 'seed 777']);

    // With a LoRA picked, the base model is the LoRA's, and the page says why it cannot change.
    await user.selectOptions(screen.getByRole('combobox', { name: 'Trained model' }), 'Subject One v1 (1000 steps)');
    const model = screen.getByRole('combobox', { name: 'Base model' }) as HTMLSelectElement;
    expect(model.disabled).toBe(true);
    expect(screen.getByText('Set by Subject One v1: a trained model works only with the base model it was trained for.')).toBeTruthy();

    unmount();
    renderApp('/generate');
    expect(((await screen.findByRole('textbox', { name: 'Prompt' })) as HTMLTextAreaElement).value).toBe('a lighthouse');
    expect(await screen.findByRole('list', { name: 'Advanced settings changed from the defaults' })).toBeTruthy();
  });

  it('starts from the newest model of the character last used, and remembers when the base model alone was chosen', async () => {
    const { first, lora, user, unmount } = setup();
    const newer = buildLora({ characterId: db.loras[1]!.characterId, name: 'Subject Two v2', triggerWord: 'gracehop_x2', createdAt: '2026-01-17T09:00:00.000Z' });
    db.loras.push(newer);
    const picker = () => screen.getByRole('combobox', { name: 'Trained model' }) as HTMLSelectElement;
    // A first visit: the newest model there is (its character trained last), not "None".
    await waitFor(() => expect(picker().value).toBe(newer.id));

    // Subject One's model used once: after it is gone, Subject One's newest model is the start.
    await user.selectOptions(picker(), lora.id);
    await user.type(prompt(), 'a portrait');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    unmount();
    const replacement = buildLora({ characterId: first.id, name: 'Subject One v2', triggerWord: 'subjone_x1', createdAt: '2026-01-16T10:00:00.000Z' });
    db.loras = [...db.loras.filter((l) => l.id !== lora.id), replacement];
    const again = renderApp('/generate');
    await waitFor(() => expect(picker().value).toBe(replacement.id));

    // "None" chosen is remembered as such.
    await user.selectOptions(picker(), '');
    again.unmount();
    renderApp('/generate');
    await screen.findByRole('textbox', { name: 'Prompt' });
    await waitFor(() => expect(screen.getByText('Pick a character’s trained model to put that person in the picture.')).toBeTruthy());
    expect(picker().value).toBe('');
  });

  it('generates with Ctrl+Enter (⌘+Enter on a Mac) from the prompt; Enter alone is a new line', async () => {
    const { user } = setup();
    await user.selectOptions(await screen.findByRole('combobox', { name: 'Trained model' }), '');
    await user.type(prompt(), 'a lighthouse{Enter}at dusk');
    expect(db.generationRequests).toHaveLength(0);
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toMatchObject({ prompt: 'a lighthouse\nat dusk' });
    await user.keyboard('{Meta>}{Enter}{/Meta}');
    await waitFor(() => expect(db.generationRequests).toHaveLength(2));
  });

  it('shows a previous generation named in the address, so a reload keeps it', async () => {
    const generation = buildGeneration({ parameters: buildParams({ userPrompt: 'a red bicycle', prompt: 'a red bicycle' }) });
    db.generations = [generation];
    setup(`/generate?job=${generation.id}`);
    const job = await screen.findByRole('region', { name: 'Your pictures' });
    expect(await within(job).findByRole('img', { name: /^a red bicycle/ })).toBeTruthy();
    expect(within(job).getByRole('link', { name: /Open the workflow in the Temporal UI/ }).getAttribute('href')).toBe(
      `http://127.0.0.1:8233/namespaces/isengard/workflows/generation-${generation.id}`,
    );
  });
});
