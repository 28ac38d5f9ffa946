import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../../../../lib/contracts/generations';
import type { PictureLikeness } from '../../../../../lib/contracts/likeness';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildGeneration, buildParams } from '../../../testing/fixtures/generations';
import { buildCheckpoint, buildLora, buildTrainingRun } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { renderApp } from '../../../testing/test-utils';

function at(minute: number) {
  return `2026-01-16T12:${String(minute).padStart(2, '0')}:00.000Z`;
}

function setup(generations: Generation[]) {
  db.characters = [buildCharacter({ name: 'Subject One' })];
  db.generations = generations;
  const user = userEvent.setup();
  const view = renderApp('/gallery');
  return { user, ...view };
}

const grid = () => screen.findByRole('list', { name: 'Pictures, newest first' });
/** The thumbnails that open the viewer (each tile also has a checkbox, a star and a menu). */
const thumbs = async () => within(await grid()).getAllByRole('button', { name: /open the viewer$/ });

function scored(similarity: number | null, status: PictureLikeness['status'] = 'scored'): PictureLikeness {
  return {
    scorer: 'face-api@1',
    status,
    similarity,
    recognisable: similarity !== null && similarity >= 0.935,
    faces: status === 'scored' ? 1 : 0,
    copyOf: null,
    scoredAt: '2026-01-16T12:00:10.000Z',
  };
}

/** A character's generation of one picture per likeness given (null: not scored yet). */
function ofCharacter(characterId: string, minute: number, prompt: string, likenesses: Array<PictureLikeness | null>): Generation {
  const generation = buildGeneration({ createdAt: at(minute), characterId, parameters: buildParams({ userPrompt: prompt, seed: minute * 10, batch: likenesses.length }) });
  return { ...generation, outputs: generation.outputs.map((o, i) => ({ ...o, likeness: likenesses[i]! })) };
}

/** The likeness shown under each thumbnail, in the grid's order, by the picture's name. */
async function shownLikeness(name = 'Pictures, newest first') {
  const list = await screen.findByRole('list', { name });
  return within(list)
    .getAllByRole('listitem')
    .map((item) => [within(item).getByRole('img').getAttribute('alt'), item.querySelector('.badge')?.textContent ?? null]);
}

describe('The gallery', () => {
  it('shows every picture, newest first, with its prompt as the thumbnail’s name', async () => {
    setup([
      buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'an old lighthouse', seed: 5 }) }),
      buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9, batch: 2 }) }),
    ]);
    const thumbnails = await thumbs();
    expect(thumbnails.map((t) => t.textContent)).toEqual([', open the viewer', ', open the viewer', ', open the viewer']);
    // The prompt under each picture (clamped by the style), and its own star.
    expect([...(await grid()).querySelectorAll('.tile-prompt')].map((p) => p.textContent)).toEqual(['a red bicycle', 'a red bicycle', 'an old lighthouse']);
    expect(within(await grid()).getByRole('button', { name: 'Favourite “an old lighthouse” (seed 5)' }).getAttribute('aria-pressed')).toBe('false');
    expect(within(await grid()).getAllByRole('img').map((img) => img.getAttribute('alt'))).toEqual([
      'a red bicycle (seed 9)',
      'a red bicycle (seed 10)',
      'an old lighthouse (seed 5)',
    ]);
  });

  it('opens a picture in a dialog, moves between pictures, and gives focus back to its thumbnail', async () => {
    const { user } = setup([
      buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'an old lighthouse', seed: 5 }) }),
      buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9 }) }),
    ]);
    const [first, second] = await thumbs();
    await user.click(second!);

    const viewer = screen.getByRole('dialog', { name: 'Picture 2 of 2' });
    expect(within(viewer).getByRole('img', { name: 'an old lighthouse (seed 5)' })).toBeTruthy();
    expect(document.activeElement).toBe(within(viewer).getByRole('button', { name: 'Close' }));
    expect(within(viewer).getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('isengard-5.png');
    expect(within(viewer).getByText('Seed').nextElementSibling?.textContent).toBe('5');

    fireEvent.keyDown(viewer, { key: 'ArrowLeft' });
    expect(screen.getByRole('dialog', { name: 'Picture 1 of 2' })).toBeTruthy();
    expect(within(viewer).getByRole('img', { name: 'a red bicycle (seed 9)' })).toBeTruthy();

    // Esc (the dialog's cancel event) closes it; focus returns to the thumbnail of the picture last shown.
    fireEvent(viewer, new Event('cancel', { cancelable: true }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(first);
  });

  it('makes one picture of a batch again exactly (its own seed), or varies it (a new seed), from the viewer', async () => {
    const source = buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9, batch: 2 }) });
    const { user } = setup([source]);
    await user.click((await thumbs())[1]!);
    const viewer = screen.getByRole('dialog', { name: 'Picture 2 of 2' });
    expect(within(viewer).getByText('Seed').nextElementSibling?.textContent).toBe('10');

    await user.click(within(viewer).getByRole('button', { name: 'Re-run exactly' }));
    expect(await within(viewer).findByText(/Started a new picture \(seed 10\)/)).toBeTruthy();
    expect(db.generations[1]!.parameters).toMatchObject({ seed: 10, batch: 1 });
    expect(within(viewer).getByRole('link', { name: 'Follow it' }).getAttribute('href')).toBe(`/generate?job=${db.generations[1]!.id}`);

    await user.click(within(viewer).getByRole('button', { name: 'Vary seed' }));
    expect(await within(viewer).findByText(/Started a new picture \(seed 1010\)/)).toBeTruthy();
    expect(db.outputReruns).toEqual([
      { id: source.outputs[1]!.id, mode: 'exact' },
      { id: source.outputs[1]!.id, mode: 'vary' },
    ]);
    // The new ones show up in the gallery as they are made.
    expect(await screen.findByRole('list', { name: 'In progress and unfinished' })).toBeTruthy();
  });

  it('deletes one picture of a batch only after confirmation, and moves focus to the gallery', async () => {
    const batch = buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a red bicycle', batch: 2 }) });
    const { user } = setup([buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'an old lighthouse' }) }), batch]);
    await user.click((await thumbs())[0]!);
    await user.click(within(screen.getByRole('dialog', { name: 'Picture 1 of 3' })).getByRole('button', { name: 'Delete' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete this picture?' });
    expect(confirm.textContent).toContain('the other pictures of its batch stay');
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(db.deletedOutputs).toEqual([]);

    await user.click(within(screen.getByRole('dialog', { name: 'Picture 1 of 3' })).getByRole('button', { name: 'Delete' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete this picture?' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(db.deletedOutputs).toEqual([batch.outputs[0]!.id]);
    await waitFor(async () => expect(await thumbs()).toHaveLength(2));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Pictures' }));
  });

  it('acts on a picture from its tile’s menu, without the viewer', async () => {
    const source = buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9 }) });
    const { user } = setup([source]);
    const tile = (await grid()).querySelector('li')!;
    await user.click(within(tile).getByText('Actions for “a red bicycle” (seed 9)'));
    expect(tile.querySelector('details')!.open).toBe(true);
    await user.click(within(tile).getByRole('button', { name: 'Re-run exactly “a red bicycle” (seed 9)' }));
    expect(await screen.findByText(/Started a new picture \(seed 9\)/)).toBeTruthy();
    expect(db.outputReruns).toEqual([{ id: source.outputs[0]!.id, mode: 'exact' }]);
    expect(tile.querySelector('details')!.open).toBe(false);

    // Closes on Escape, back to its button, and on a click elsewhere.
    await user.click(within(tile).getByText('Actions for “a red bicycle” (seed 9)'));
    expect(tile.querySelector('details')!.open).toBe(true);
    await user.keyboard('{Escape}');
    expect(tile.querySelector('details')!.open).toBe(false);
    expect(document.activeElement).toBe(tile.querySelector('summary'));
    await user.click(within(tile).getByText('Actions for “a red bicycle” (seed 9)'));
    await user.click(screen.getByRole('heading', { name: 'Pictures' }));
    expect(tile.querySelector('details')!.open).toBe(false);
  });

  it('marks favourites, and shows the favourites only, in the address too', async () => {
    const { user, router } = setup([
      buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'an old lighthouse', seed: 5 }) }),
      buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9 }) }),
    ]);
    const star = within(await grid()).getByRole('button', { name: 'Favourite “an old lighthouse” (seed 5)' });
    await user.click(star);
    await waitFor(() => expect(db.generations[0]!.outputs[0]!.favourite).toBe(true));
    await waitFor(() => expect(star.getAttribute('aria-pressed')).toBe('true'));

    await user.click(screen.getByRole('checkbox', { name: 'Favourites only' }));
    await waitFor(async () => expect((await thumbs()).map((t) => t.querySelector('img')!.alt)).toEqual(['an old lighthouse (seed 5)']));
    expect(router.state.location.search).toBe('?favourite=1');
  });

  it('filters by the days the pictures were made, from the address', async () => {
    db.generations = [buildGeneration({ createdAt: at(1) })];
    renderApp('/gallery?from=2026-01-10&to=2026-01-16');
    await grid();
    expect((screen.getByLabelText('Made from') as HTMLInputElement).value).toBe('2026-01-10');
    expect((screen.getByLabelText('Made until') as HTMLInputElement).value).toBe('2026-01-16');
    const query = new URLSearchParams(db.galleryQueries.at(-1));
    // From the start of the first day to the start of the day after the last, in the person's time zone.
    expect(query.get('from')).toBe(new Date(2026, 0, 10).toISOString());
    expect(query.get('to')).toBe(new Date(2026, 0, 17).toISOString());
  });

  it('selects pictures (Shift+click for a range), then downloads them as a zip or deletes them at once', async () => {
    const { user } = setup([
      buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'an old lighthouse', seed: 5 }) }),
      buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9, batch: 3 }) }),
    ]);
    const boxes = within(await grid()).getAllByRole('checkbox');
    const ids = db.generations.flatMap((g) => g.outputs.map((o) => o.id));
    const [lighthouse, b9, b10, b11] = [ids[0]!, ids[1]!, ids[2]!, ids[3]!];
    await user.click(boxes[0]!);
    await user.keyboard('{Shift>}');
    await user.click(boxes[2]!);
    await user.keyboard('{/Shift}');
    const bar = screen.getByRole('region', { name: 'Selected pictures' });
    expect(within(bar).getByText('3 selected')).toBeTruthy();
    expect(within(bar).getByRole('link', { name: 'Download zip' }).getAttribute('href')).toBe(`/api/outputs/archive?ids=${[b9, b10, b11].join(',')}`);

    // Un-ticking one takes it out.
    await user.click(boxes[1]!);
    expect(within(bar).getByText('2 selected')).toBeTruthy();
    await user.click(within(bar).getByRole('button', { name: 'Delete' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete 2 pictures?' })).getByRole('button', { name: 'Delete 2 pictures' }));
    await waitFor(() => expect(db.deletedOutputs).toEqual([b9, b11]));
    await waitFor(async () => expect(await thumbs()).toHaveLength(2));
    expect(screen.queryByRole('region', { name: 'Selected pictures' })).toBeNull();

    await user.click(within(await grid()).getAllByRole('checkbox')[1]!);
    expect(within(screen.getByRole('region', { name: 'Selected pictures' })).getByRole('link', { name: 'Download zip' }).getAttribute('href')).toBe(
      `/api/outputs/archive?ids=${lighthouse}`,
    );
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(screen.queryByRole('region', { name: 'Selected pictures' })).toBeNull();
  });

  it('takes a picture’s settings, its seed included, to the Generate form', async () => {
    const source = buildGeneration({
      createdAt: at(1),
      parameters: buildParams({ userPrompt: 'a red bicycle', seed: 9, batch: 2, width: 1024, height: 1024, steps: 12 }),
    });
    const { user, router } = setup([source]);
    await user.click((await thumbs())[1]!);
    await user.click(within(screen.getByRole('dialog', { name: 'Picture 2 of 2' })).getByRole('button', { name: 'Use these settings' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/generate'));
    expect(((await screen.findByRole('textbox', { name: 'Prompt' })) as HTMLTextAreaElement).value).toBe('a red bicycle');
    expect((screen.getByRole('radio', { name: /Square 1:1/ }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('combobox', { name: 'Number of pictures' }) as HTMLSelectElement).value).toBe('2');
    expect(screen.getByRole('button', { name: 'Generate 2 pictures' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Generate 2 pictures' }));
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toEqual({ prompt: 'a red bicycle', batch: 2, aspect: 'square', steps: 12, seed: 10 });
  });

  /** A picture made with a checkpoint of a run (not a registered LoRA), as the compare page makes them. */
  function fromCheckpoint(step: number) {
    const character = buildCharacter({ name: 'Subject One' });
    const run = buildTrainingRun({ characterId: character.id });
    const other = buildLora({ characterId: character.id, name: 'Subject One v1', triggerWord: 'subjone_x1' });
    const source = buildGeneration({
      createdAt: at(1),
      characterId: character.id,
      parameters: buildParams({
        userPrompt: 'on a bench',
        prompt: 'subjone_x1, on a bench',
        seed: 5,
        width: 1024,
        height: 1024,
        lora: {
          id: null,
          fileName: `training/${run.id}/isengard_x/isengard_x_000000150.safetensors`,
          name: `Subject One ${run.id.slice(0, 8)}, step ${step}`,
          strength: 0.8,
          triggerWord: 'subjone_x1',
          checkpoint: { runId: run.id, step, final: false },
        },
      }),
    });
    return { character, run, other, source };
  }

  async function useSettingsOfFirstPicture(user: ReturnType<typeof userEvent.setup>, router: ReturnType<typeof setup>['router']) {
    await user.click((await thumbs())[0]!);
    await user.click(within(screen.getByRole('dialog', { name: 'Picture 1 of 1' })).getByRole('button', { name: 'Use these settings' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/generate'));
    return (await screen.findByRole('combobox', { name: 'Trained model' })) as HTMLSelectElement;
  }

  it('takes a picture made with a training checkpoint to the Generate form with that checkpoint, and generates with it again', async () => {
    const { character, run, other, source } = fromCheckpoint(150);
    const { user, router, unmount } = setup([source]);
    db.characters = [character];
    db.loras = [other];
    db.trainingRuns = [run];
    db.checkpoints[run.id] = [buildCheckpoint(run.id, { step: 100 }), buildCheckpoint(run.id, { step: 150 })];

    const picker = await useSettingsOfFirstPicture(user, router);
    const label = `Run ${run.id.slice(0, 8)} · step 150`;
    expect(picker.selectedOptions[0]?.textContent).toBe(label);
    expect(within(picker).getByRole('group', { name: 'Training checkpoint' })).toBeTruthy();
    expect((screen.getByRole('spinbutton', { name: 'Strength' }) as HTMLInputElement).value).toBe('0.8');
    expect(screen.getByText(`with ${label}`, { exact: false })).toBeTruthy();
    expect(screen.getByText(/Your prompt names|is not in your prompt/).textContent).toContain('subjone_x1');

    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toEqual({ prompt: 'on a bench', batch: 1, checkpoint: { runId: run.id, step: 150 }, loraStrength: 0.8, aspect: 'square', seed: 5 });
    expect(screen.queryByText(/no longer exists/)).toBeNull();

    // Kept for the next visit, like every setting; choosing a LoRA puts it away.
    unmount();
    renderApp('/generate');
    const again = (await screen.findByRole('combobox', { name: 'Trained model' })) as HTMLSelectElement;
    expect(again.selectedOptions[0]?.textContent).toBe(label);
    await user.selectOptions(again, await within(again).findByRole('option', { name: /^Subject One v1/ }));
    expect(within(again).queryByRole('group', { name: 'Training checkpoint' })).toBeNull();
  });

  it('says plainly when the picture’s checkpoint is gone, and fills in the rest', async () => {
    const { character, run, other, source } = fromCheckpoint(50);
    const { user, router } = setup([source]);
    db.characters = [character];
    db.loras = [other];
    db.trainingRuns = [run];
    // The trainer kept only its newest checkpoints: step 50 was pruned.
    db.checkpoints[run.id] = [buildCheckpoint(run.id, { step: 100 }), buildCheckpoint(run.id, { step: 150 })];

    await useSettingsOfFirstPicture(user, router);
    const notice = await screen.findByText(/no longer exists/);
    expect(notice.textContent).toContain(`The checkpoint this picture was made with (Run ${run.id.slice(0, 8)} · step 50) no longer exists`);
    expect(notice.textContent).toContain('with Subject One v1 instead');
    const picker = screen.getByRole('combobox', { name: 'Trained model' }) as HTMLSelectElement;
    expect(picker.value).toBe(other.id);
    expect(within(picker).queryByRole('group', { name: 'Training checkpoint' })).toBeNull();
    expect((screen.getByRole('textbox', { name: 'Prompt' }) as HTMLTextAreaElement).value).toBe('on a bench');
    expect((screen.getByRole('radio', { name: /Square 1:1/ }) as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(db.generationRequests).toHaveLength(1));
    expect(db.generationRequests[0]).toEqual({ prompt: 'on a bench', batch: 1, loraId: other.id, loraStrength: 0.8, aspect: 'square', seed: 5 });
  });

  it('says the checkpoint is gone when its whole run was deleted', async () => {
    const { character, other, source } = fromCheckpoint(150);
    const { user, router } = setup([source]);
    db.characters = [character];
    db.loras = [other];
    await useSettingsOfFirstPicture(user, router);
    expect((await screen.findByText(/no longer exists/)).textContent).toContain('step 150) no longer exists');
  });

  it('pages back through older pictures', async () => {
    const generations = Array.from({ length: 30 }, (_, i) =>
      buildGeneration({ createdAt: at(i + 1), parameters: buildParams({ userPrompt: `picture ${i + 1}`, seed: i }) }),
    );
    const { user } = setup(generations);
    expect(within(await grid()).getAllByRole('img')).toHaveLength(24);
    await user.click(screen.getByRole('button', { name: 'Show older pictures' }));
    await waitFor(async () => expect(within(await grid()).getAllByRole('img')).toHaveLength(30));
    expect(screen.queryByRole('button', { name: 'Show older pictures' })).toBeNull();
  });

  it('says what a waiting or failed generation is doing', async () => {
    setup([
      buildGeneration({ createdAt: at(1), status: 'failed', error: { code: 'oom', message: 'The GPU ran out of memory.' } }),
      buildGeneration({ createdAt: at(2), status: 'queued', waitingFor: 'waiting for the GPU: training of Subject One' }),
    ]);
    const pending = await screen.findByRole('list', { name: 'In progress and unfinished' });
    expect(within(pending).getByText('Queued, waiting for the GPU: training of Subject One')).toBeTruthy();
    expect(within(pending).getByText('Failed: The GPU ran out of memory.')).toBeTruthy();
    expect(within(pending).getByRole('button', { name: /^Try again/ })).toBeTruthy();
  });

  it('filters by character', async () => {
    const first = buildCharacter({ name: 'Subject One' });
    db.characters = [first];
    db.generations = [
      buildGeneration({ createdAt: at(1), characterId: first.id, parameters: buildParams({ userPrompt: 'first in a garden' }) }),
      buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'a lighthouse' }) }),
    ];
    const user = userEvent.setup();
    const { router } = renderApp('/gallery');
    expect(within(await grid()).getAllByRole('img')).toHaveLength(2);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Character' }), 'Subject One');
    await waitFor(async () => expect(within(await grid()).getAllByRole('img')).toHaveLength(1));
    expect(router.state.location.search).toBe(`?character=${first.id}`);
  });

  it('shows under every picture how much it looks like the person, or why it cannot say', async () => {
    const person = buildCharacter({ name: 'Subject One' });
    db.characters = [person];
    db.generations = [
      buildGeneration({ createdAt: at(1), parameters: buildParams({ userPrompt: 'no character', seed: 1 }) }),
      ofCharacter(person.id, 2, 'scored', [scored(0.951), scored(0.84), scored(null, 'no_face')]),
      ofCharacter(person.id, 3, 'just made', [null]),
      ofCharacter(person.id, 4, 'copy', [{ ...scored(0.991), copyOf: { photoId: 'p', similarity: 0.991 } }]),
    ];
    renderApp('/gallery');
    expect(await shownLikeness()).toEqual([
      ['copy (seed 40)', 'Likeness 0.99 · recognisable · copies a training photo'],
      ['just made (seed 30)', 'Scoring…'],
      ['scored (seed 20)', 'Likeness 0.95 · recognisable'],
      ['scored (seed 21)', 'Not like the person 0.84'],
      ['scored (seed 22)', 'No face to compare'],
      // Made without a character: nobody to compare with, and nothing said.
      ['no character (seed 1)', null],
    ]);
  });

  it('shows the likeness in the viewer', async () => {
    const person = buildCharacter({ name: 'Subject One' });
    db.characters = [person];
    db.generations = [ofCharacter(person.id, 1, 'scored', [scored(0.951)]), buildGeneration({ createdAt: at(2), parameters: buildParams({ userPrompt: 'plain' }) })];
    const user = userEvent.setup();
    renderApp('/gallery');
    await user.click((await thumbs())[1]!);
    const viewer = screen.getByRole('dialog', { name: 'Picture 2 of 2' });
    expect(within(viewer).getByText('Likeness').nextElementSibling?.textContent).toBe('Likeness 0.95 · recognisable');
    fireEvent.keyDown(viewer, { key: 'ArrowLeft' });
    // Made without a character: no likeness at all.
    expect(within(screen.getByRole('dialog', { name: 'Picture 1 of 2' })).queryByText('Likeness')).toBeNull();
  });

  it('puts the pictures most like the person first, and shows the recognisable ones only', async () => {
    const person = buildCharacter({ name: 'Subject One' });
    db.characters = [person];
    db.generations = [
      ofCharacter(person.id, 1, 'old and alike', [scored(0.9), scored(0.96)]),
      ofCharacter(person.id, 2, 'no face', [scored(null, 'no_face')]),
      ofCharacter(person.id, 3, 'new and unlike', [scored(0.8)]),
      ofCharacter(person.id, 4, 'newest, alike', [scored(0.94)]),
    ];
    const user = userEvent.setup();
    const { router } = renderApp('/gallery');
    expect((await shownLikeness()).map(([name]) => name)).toEqual([
      'newest, alike (seed 40)',
      'new and unlike (seed 30)',
      'no face (seed 20)',
      'old and alike (seed 10)',
      'old and alike (seed 11)',
    ]);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Order' }), 'Most like the person first');
    await waitFor(async () =>
      expect((await shownLikeness('Pictures, most like the person first')).map(([name]) => name)).toEqual([
        'old and alike (seed 11)',
        'old and alike (seed 10)',
        'newest, alike (seed 40)',
        'new and unlike (seed 30)',
        'no face (seed 20)',
      ]),
    );
    expect(router.state.location.search).toBe('?sort=likeness');

    await user.click(screen.getByRole('checkbox', { name: 'Recognisable only' }));
    await waitFor(async () =>
      expect(await shownLikeness('Pictures, most like the person first')).toEqual([
        ['old and alike (seed 11)', 'Likeness 0.96 · recognisable'],
        ['newest, alike (seed 40)', 'Likeness 0.94 · recognisable'],
      ]),
    );
    expect(router.state.location.search).toBe('?sort=likeness&recognisable=1');

    // Choosing a character keeps the order and the filter.
    await user.selectOptions(screen.getByRole('combobox', { name: 'Character' }), 'Subject One');
    expect(router.state.location.search).toBe(`?character=${person.id}&sort=likeness&recognisable=1`);
  });
});
