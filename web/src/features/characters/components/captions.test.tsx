import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildPhoto } from '../../../testing/fixtures/photos';
import { db } from '../../../testing/msw/db';
import { fakeCaption } from '../../../testing/msw/handlers/captions';
import { apiError } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderApp, renderWithProviders } from '../../../testing/test-utils';
import { PhotosSection } from './photos-section';

function seed(photoCount: number) {
  const character = buildCharacter({ name: 'Caption Cleo', triggerWord: 'cleo_x1' });
  db.characters = [character];
  db.photos = Array.from({ length: photoCount }, (_, i) => buildPhoto({ characterId: character.id, originalName: `p${i + 1}.jpg` }));
  return character;
}

function setup(photoCount: number) {
  const character = seed(photoCount);
  const user = userEvent.setup();
  renderWithProviders(<PhotosSection character={character} />);
  return { character, user };
}

const captionBox = (name: string) => screen.getByRole<HTMLTextAreaElement>('textbox', { name: `Caption of ${name}` });

describe('Captions written for you', () => {
  // The progress is read once a second, and the fake job moves one photo per read.
  it('writes captions for all photos in one click, showing progress, and fills the boxes', { timeout: 20_000 }, async () => {
    const { user } = setup(3);
    await user.click(await screen.findByRole('button', { name: 'Write captions (all photos)' }));
    expect(await screen.findByRole('progressbar', { name: 'Writing captions' })).toBeTruthy();
    expect(await screen.findByText('Captions written for 3 photos.', {}, { timeout: 10_000 })).toBeTruthy();
    await waitFor(() => expect(captionBox('p3.jpg').value).toBe(fakeCaption('short', 2)));
    expect(captionBox('p1.jpg').value).toBe(fakeCaption('short', 0));
    expect(db.captionJobs[0]).toMatchObject({ style: 'short', explicit: false });
  });

  it('writes only the selected photos, in the detailed style', { timeout: 20_000 }, async () => {
    const { user } = setup(3);
    await user.click(await screen.findByRole('checkbox', { name: 'Select p2.jpg for captions' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Caption style' }), 'detailed');
    await user.click(screen.getByRole('button', { name: 'Write captions (1 selected photo)' }));
    expect(await screen.findByText('Captions written for 1 photo.', {}, { timeout: 10_000 })).toBeTruthy();
    expect(db.captionJobs[0]).toMatchObject({ style: 'detailed', explicit: true, total: 1 });
    await waitFor(() => expect(captionBox('p2.jpg').value).toBe(fakeCaption('detailed', 0)));
    expect(captionBox('p1.jpg').value).toBe('photo of [trigger]');
  });

  it('says where to download the captioning model when it is not there yet', async () => {
    server.use(
      http.post('/api/characters/:id/captions', () =>
        apiError(409, {
          code: 'conflict',
          message: 'The captioning model Qwen3-VL 4B is not downloaded yet: download it on the Models page, then write captions',
          details: { modelId: 'qwen3-vl-4b', modelsPage: '/models' },
        }),
      ),
    );
    const { user } = setup(2);
    await user.click(await screen.findByRole('button', { name: 'Write captions (all photos)' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('is not downloaded yet');
    expect(within(alert).getByRole('link', { name: 'Open the Models page' }).getAttribute('href')).toBe('/models');
  });

  it('a caption box saves itself when it loses focus, and says so', async () => {
    const { user } = setup(2);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Caption of p1.jpg' });
    expect(box.tagName).toBe('TEXTAREA');
    await user.clear(box);
    await user.type(box, 'photo of [[trigger] on a red bicycle');
    expect(screen.getByText('Unsaved')).toBeTruthy();
    await user.click(captionBox('p2.jpg'));
    expect(await screen.findByText('Caption of p1.jpg saved.')).toBeTruthy();
    expect(db.photos[0]?.caption).toBe('photo of [trigger] on a red bicycle');
    expect(screen.getByText('Saved')).toBeTruthy();
  });

  it('a refused save keeps the text in the box and says why, with a way to try again', async () => {
    const { user } = setup(1);
    server.use(http.patch('/api/photos/:id', () => apiError(503, { code: 'unavailable', message: 'The database is not answering' })));
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Caption of p1.jpg' });
    await user.type(box, ' in the rain');
    await user.tab();
    expect(await screen.findByText(/Not saved: The database is not answering/)).toBeTruthy();
    expect(box.value).toBe('photo of [trigger] in the rain');
    server.resetHandlers();
    await user.click(screen.getByRole('button', { name: 'Try again to save the caption of p1.jpg' }));
    await waitFor(() => expect(db.photos[0]?.caption).toBe('photo of [trigger] in the rain'));
  });

  it('saves an edit still in the box when the page changes to another route, and when the page is left', async () => {
    const character = seed(2);
    const user = userEvent.setup();
    const { router } = renderApp(`/characters/${character.id}`);
    const box = await screen.findByRole<HTMLTextAreaElement>('textbox', { name: 'Caption of p1.jpg' });
    await user.type(box, ', at night');
    window.dispatchEvent(new Event('pagehide'));
    await waitFor(() => expect(db.photos[0]?.caption).toBe('photo of [trigger], at night'));

    await user.type(captionBox('p2.jpg'), ', by the sea');
    await router.navigate('/models');
    await waitFor(() => expect(db.photos[1]?.caption).toBe('photo of [trigger], by the sea'));
  });

  it('applies one caption to all photos and finds/replaces across them, saying how many changed', async () => {
    const { user } = setup(3);
    await user.click(await screen.findByRole('button', { name: 'Apply a caption to all…' }));
    const apply = screen.getByRole('dialog', { name: 'Apply one caption to every photo' });
    const text = within(apply).getByRole('textbox', { name: 'Caption for all photos' });
    await user.clear(text);
    await user.type(text, 'photo of [[trigger], green jacket');
    await user.click(within(apply).getByRole('button', { name: 'Apply to all' }));
    expect(await screen.findByText('3 captions changed.')).toBeTruthy();
    await waitFor(() => expect(captionBox('p2.jpg').value).toBe('photo of [trigger], green jacket'));

    await user.click(screen.getByRole('button', { name: 'Find and replace in captions…' }));
    const dialog = screen.getByRole('dialog', { name: 'Find and replace in every caption' });
    expect(within(dialog).getByRole('button', { name: 'Replace all' }).hasAttribute('disabled')).toBe(true);
    await user.type(within(dialog).getByRole('textbox', { name: 'Find' }), 'GREEN');
    await user.type(within(dialog).getByRole('textbox', { name: 'Replace with' }), 'blue');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Match case' }));
    await user.click(within(dialog).getByRole('button', { name: 'Replace all' }));
    await waitFor(() => expect(captionBox('p1.jpg').value).toBe('photo of [trigger], blue jacket'));
    expect(screen.getByText('3 captions changed.')).toBeTruthy();
  });
});
