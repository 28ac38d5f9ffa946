import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { blurryChecks, buildPhoto, rotatedChecks } from '../../../testing/fixtures/photos';
import { db } from '../../../testing/msw/db';
import { apiError } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { PhotosSection } from './photos-section';

const jpeg = (name: string, bytes = 2000) => new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' });
/** A text file with a photo's name: the browser cannot tell, the server looks at the content. */
const textAsJpeg = (name: string) => new File(['These are my notes, not a photo.'], name, { type: 'image/jpeg' });

function setup(photoCount = 0) {
  const character = buildCharacter({ name: 'Subject One', triggerWord: 'subjone_x1' });
  db.characters = [character];
  db.photos = Array.from({ length: photoCount }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i + 1}.jpg` }));
  // The picker's accept list is the browser's business; here every chosen file reaches the page.
  const user = userEvent.setup({ applyAccept: false });
  renderWithProviders(<PhotosSection character={character} />);
  return { character, user };
}

/** The hidden file input behind the visible "Choose photos" button. */
const fileInput = () => document.querySelector<HTMLInputElement>('input[type="file"]')!;

describe('Photos of a character', () => {
  it('uploads many files at once, one line each, and explains every refusal', async () => {
    const { user } = setup();
    expect(await screen.findByText('No good photos yet — add at least 10')).toBeTruthy();

    const input = fileInput();
    expect(input.multiple).toBe(true);
    expect(input.accept).toBe('image/*,.heic,.heif');
    await user.upload(input, [jpeg('a.jpg'), jpeg('b.jpg'), textAsJpeg('notes.jpg'), new File(['hello'], 'readme.txt', { type: 'text/plain' })]);

    const uploads = screen.getByRole('list', { name: 'Uploads' });
    const line = (name: string) => within(uploads).getByText(name).closest('li')!;
    expect(await screen.findByText('Upload finished: 2 added, 2 not added.')).toBeTruthy();
    // What landed is in the grid; the list keeps what needs attention.
    expect(within(uploads).queryByText('a.jpg')).toBeNull();
    expect(within(line('notes.jpg')).getByText('Rejected')).toBeTruthy();
    expect(line('notes.jpg').textContent).toContain('This file is not a photo: it looks like text');
    // Refused in the browser, never sent.
    expect(line('readme.txt').textContent).toContain('This file is not a photo: use JPEG, PNG, WebP or HEIC');
    expect(db.photos).toHaveLength(2);

    // The grid and the meter follow.
    expect(await screen.findByText('2 good photos — add at least 8 more')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Photos' })).getAllByRole('img')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Clear finished uploads' }));
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull();
  });

  it('takes files dropped on the drop zone', async () => {
    setup();
    await screen.findByText('No good photos yet — add at least 10');
    const zone = screen.getByRole('button', { name: 'Choose photos' }).closest('.dropzone')!;
    const files = [jpeg('dropped.jpg')];
    fireEvent.dragEnter(zone, { dataTransfer: { files, types: ['Files'] } });
    fireEvent.drop(zone, { dataTransfer: { files, types: ['Files'] } });
    expect(await screen.findByText('Upload finished: 1 added.')).toBeTruthy();
    expect(await screen.findByRole('list', { name: 'Photos' })).toBeTruthy();
    expect(db.photos).toHaveLength(1);
  });

  it('shows each check as text, with the measured value in its hint', async () => {
    const character = buildCharacter({ name: 'Subject One' });
    db.characters = [character];
    const original = buildPhoto({ characterId: character.id, originalName: 'original.jpg' });
    db.photos = [
      original,
      buildPhoto({ characterId: character.id, originalName: 'soft.jpg', checks: blurryChecks }),
      buildPhoto({ characterId: character.id, originalName: 'sideways.jpg', checks: rotatedChecks }),
      buildPhoto({
        characterId: character.id,
        originalName: 'copy.jpg',
        checks: { ...original.checks, duplicate: { ofPhotoId: original.id, distance: 0, exact: true } },
      }),
      buildPhoto({
        characterId: character.id,
        originalName: 'tiny.jpg',
        width: 400,
        height: 300,
        checks: { ...original.checks, tooSmall: { shortSide: 300, minimum: 512, failed: true } },
      }),
    ];
    const user = userEvent.setup();
    renderWithProviders(<PhotosSection character={character} />);

    const checksOf = async (name: string) => within(await screen.findByRole('list', { name: `Checks of ${name}` }));
    const blurry = (await checksOf('soft.jpg')).getByRole('button', { name: 'Blurry' });
    expect(document.getElementById(blurry.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Sharpness 12.5; photos below 60 look blurry/);
    expect((await checksOf('sideways.jpg')).getByRole('button', { name: 'Rotated upright' })).toBeTruthy();
    expect((await checksOf('sideways.jpg')).getByRole('button', { name: 'Good' })).toBeTruthy();
    const duplicate = (await checksOf('copy.jpg')).getByRole('button', { name: 'Duplicate' });
    expect(document.getElementById(duplicate.getAttribute('aria-describedby')!)?.textContent).toContain('An exact copy of “original.jpg”');
    const small = (await checksOf('tiny.jpg')).getByRole('button', { name: 'Too small' });
    expect(document.getElementById(small.getAttribute('aria-describedby')!)?.textContent).toContain('The shortest side is 300 px; at least 512 px');

    // The hint shows on keyboard focus and goes away with Esc.
    await user.click(blurry);
    await user.click(blurry);
    expect(document.activeElement).toBe(blurry);
    expect(document.getElementById(blurry.getAttribute('aria-describedby')!)?.className).toContain('hint-popover--open');
    await user.keyboard('{Escape}');
    expect(document.getElementById(blurry.getAttribute('aria-describedby')!)?.className).not.toContain('hint-popover--open');

    // Flagged photos do not count as good.
    expect(screen.getByText('2 good photos — add at least 8 more')).toBeTruthy();
  });

  it('explains [trigger], edits a caption in place, and leaves a photo out of training', async () => {
    const { user } = setup(1);
    const help = await screen.findByText(/stands for the trigger word/);
    expect(help.textContent).toContain('[trigger]');
    expect(help.textContent).toContain('subjone_x1');

    const caption = screen.getByRole('textbox', { name: 'Caption of p1.jpg' });
    await user.clear(caption);
    await user.type(caption, 'a portrait in a garden');
    expect(screen.getByText(/No \[trigger\] in this caption/)).toBeTruthy();
    await user.keyboard('{Escape}');
    expect((caption as HTMLInputElement).value).toBe('photo of [trigger]');

    await user.clear(caption);
    await user.type(caption, 'photo of [[trigger] in a garden{Enter}');
    expect(await screen.findByText('Caption of p1.jpg saved.')).toBeTruthy();
    expect(db.photos[0]?.caption).toBe('photo of [trigger] in a garden');

    const useIt = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Use for training (p1.jpg)' });
    fireEvent.click(useIt);
    expect(useIt.checked).toBe(false); // in the click itself: the box never flips back for a moment
    await waitFor(() => expect(db.photos[0]?.excluded).toBe(true));
    expect(await screen.findByRole('button', { name: 'Left out' })).toBeTruthy();
    expect(screen.getByText('No good photos yet — add at least 10')).toBeTruthy();
  });

  it('puts the box back when the server refuses the change, and says why', async () => {
    const { user } = setup(1);
    server.use(http.patch('/api/photos/:id', () => apiError(409, { code: 'conflict', message: 'This photo was deleted meanwhile' })));
    const useIt = await screen.findByRole<HTMLInputElement>('checkbox', { name: 'Use for training (p1.jpg)' });
    await user.click(useIt);
    expect(await screen.findByText('This photo was deleted meanwhile')).toBeTruthy();
    expect(useIt.checked).toBe(true);
    expect(db.photos[0]?.excluded).toBe(false);
  });

  it('says "ready to train" from ten good photos on', async () => {
    setup(14);
    expect(await screen.findByText('14 good photos — ready to train')).toBeTruthy();
    const meter = screen.getByRole('meter', { name: '14 good photos — ready to train' });
    expect(meter.getAttribute('aria-valuenow') ?? (meter as HTMLMeterElement).value.toString()).toBe('14');
  });

  it('deletes a photo only after confirmation', async () => {
    const { user } = setup(2);
    await user.click(await screen.findByRole('button', { name: 'Delete p1.jpg' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete p1.jpg?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete photo' }));
    await waitFor(() => expect(screen.queryByRole('img', { name: 'p1.jpg' })).toBeNull());
    expect(db.photos.map((p) => p.originalName)).toEqual(['p2.jpg']);
    expect(screen.getByText('Deleted p1.jpg.')).toBeTruthy();
  });

  it('shows "Checking…" while a photo is checked, then its verdicts, without a reload', async () => {
    const character = buildCharacter({ name: 'Subject One' });
    db.characters = [character];
    const good = buildPhoto({ characterId: character.id, originalName: 'good.jpg' });
    const pending = buildPhoto({ characterId: character.id, originalName: 'new.jpg', analysis: 'pending', checks: { duplicate: null } });
    db.photos = [good, pending];
    renderWithProviders(<PhotosSection character={character} />);

    const checksOf = async (name: string) => within(await screen.findByRole('list', { name: `Checks of ${name}` }));
    expect((await checksOf('new.jpg')).getByRole('button', { name: 'Checking…' })).toBeTruthy();
    expect((await checksOf('new.jpg')).queryByRole('button', { name: 'Good' })).toBeNull();
    // Not good yet, not flagged either.
    expect(screen.getByText('1 good photo — add at least 9 more')).toBeTruthy();
    expect(screen.getByText(/1 photo still being checked/)).toBeTruthy();

    // The check finishes on the server: the page looks again by itself while anything is pending.
    db.photos = [good, { ...pending, analysis: 'done', checks: { duplicate: null, noFace: { faces: 0, failed: true } } }];
    const noFace = await screen.findByRole('button', { name: 'No face' }, { timeout: 5000 });
    expect(document.getElementById(noFace.getAttribute('aria-describedby')!)?.textContent).toContain('No face was found in this photo');
    expect(screen.queryByRole('button', { name: 'Checking…' })).toBeNull();
    expect(screen.getByText(/1 photo flagged/)).toBeTruthy();
  });

  it('shows each face verdict with what was measured and what to do', async () => {
    const character = buildCharacter({ name: 'Subject One' });
    db.characters = [character];
    const original = buildPhoto({ characterId: character.id, originalName: 'original.jpg' });
    const photo = (originalName: string, checks: Partial<typeof original.checks>) =>
      buildPhoto({ characterId: character.id, originalName, checks: { ...original.checks, ...checks } });
    db.photos = [
      original,
      photo('group.jpg', { severalPeople: { count: 3, failed: true } }),
      photo('far.jpg', { faceTooSmall: { faceSize: 62, minimum: 96, trainingSize: 1024, failed: true } }),
      photo('stranger.jpg', { differentPerson: { similarity: 0.842, typical: 0.961, rank: 1, comparedWith: 9, failed: true } }),
      photo('soft.jpg', { blurry: { sharpness: 41.3, threshold: 55, failed: true, region: 'face' } }),
      photo('copy.jpg', { duplicate: { ofPhotoId: original.id, distance: 4, exact: false, faceSimilarity: 0.9972 } }),
    ];
    renderWithProviders(<PhotosSection character={character} />);

    const hintOf = async (photoName: string, label: string) => {
      const list = within(await screen.findByRole('list', { name: `Checks of ${photoName}` }));
      const badge = list.getByRole('button', { name: label });
      return document.getElementById(badge.getAttribute('aria-describedby')!)?.textContent ?? '';
    };
    expect(await hintOf('group.jpg', 'Several people')).toMatch(/^3 faces were found\. .*crop the photo to the person alone/);
    expect(await hintOf('far.jpg', 'Face too small')).toBe(
      'The face is 62 px once the photo is scaled to the 1024 px training size; at least 96 px is needed to learn it. Use a closer photo, or crop this one around the person.',
    );
    expect(await hintOf('stranger.jpg', 'Different person?')).toMatch(/similarity 0\.842 to the other 9 photos, which score 0\.961 .*If it is someone else, delete it/);
    expect(await hintOf('soft.jpg', 'Blurry')).toMatch(/^Face sharpness 41\.3; faces below 55 look blurry/);
    expect(await hintOf('copy.jpg', 'Duplicate')).toMatch(/^A copy of “original\.jpg” \(picture difference 4 of 64, face similarity 0\.997\)/);
    expect(await hintOf('original.jpg', 'Good')).toContain('Good for training');
    expect(screen.getByText('1 good photo — add at least 9 more')).toBeTruthy();
  });

  it('keeps a flagged photo anyway, counting it good, and undoes it', async () => {
    const character = buildCharacter({ name: 'Subject One' });
    db.characters = [character];
    db.photos = [
      buildPhoto({ characterId: character.id, originalName: 'good.jpg' }),
      buildPhoto({ characterId: character.id, originalName: 'soft.jpg', checks: blurryChecks }),
    ];
    const user = userEvent.setup();
    renderWithProviders(<PhotosSection character={character} />);

    expect(await screen.findByText('1 good photo — add at least 9 more')).toBeTruthy();
    // Only flagged photos can be kept anyway.
    expect(screen.queryByRole('button', { name: 'Keep anyway (good.jpg)' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Keep anyway (soft.jpg)' }));
    expect(await screen.findByText('2 good photos — add at least 8 more')).toBeTruthy();
    expect(db.photos[1]?.keptAnyway).toBe(true);
    const checks = within(screen.getByRole('list', { name: 'Checks of soft.jpg' }));
    expect(checks.getByRole('button', { name: 'Kept anyway' })).toBeTruthy();
    // The warning stays visible.
    expect(checks.getByRole('button', { name: 'Blurry' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Undo keep anyway (soft.jpg)' }));
    expect(await screen.findByText('1 good photo — add at least 9 more')).toBeTruthy();
    expect(db.photos[1]?.keptAnyway).toBe(false);
    expect(screen.getByRole('button', { name: 'Keep anyway (soft.jpg)' })).toBeTruthy();
  });
});
