import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { updateLoraInput, type LoraEntry, type LoraImpact } from '../../../../../lib/contracts/loras';
import { buildCharacter } from '../../../testing/fixtures/characters';
import { buildLora } from '../../../testing/fixtures/trainings';
import { db } from '../../../testing/msw/db';
import { apiError, notFound, validationFailed } from '../../../testing/msw/responses';
import { server } from '../../../testing/msw/server';
import { renderApp } from '../../../testing/test-utils';

const ada = buildCharacter({ name: 'Ada Models' });
const bob = buildCharacter({ name: 'Bob Models' });
const runId = '00000000-0000-4000-8000-0000000000a1';

function entry(overrides: Partial<LoraEntry> & Pick<LoraEntry, 'characterId' | 'characterName' | 'version' | 'steps'>): LoraEntry {
  return {
    ...buildLora({ characterId: overrides.characterId, name: `${overrides.characterName} v${overrides.version}` }),
    sourceRun: { id: runId, status: 'completed', preset: 'balanced', totalSteps: 1000 },
    stoppedEarly: null,
    recommended: false,
    mostTrained: false,
    ...overrides,
  };
}

/** The fake API's LoRAs: list, change, what a delete affects, delete. Returns what it was sent. */
function serveLoras(items: LoraEntry[], impact: Partial<LoraImpact> = {}) {
  const sent = { patches: [] as unknown[], deletes: [] as string[], impacts: 0 };
  let loras = [...items];
  server.use(
    http.get('/api/loras', ({ request }) => {
      const query = new URL(request.url).searchParams;
      return HttpResponse.json({
        items: loras.filter((l) => (!query.get('characterId') || l.characterId === query.get('characterId')) && (!query.get('favourite') || l.favourite)),
      });
    }),
    http.patch('/api/loras/:id', async ({ params, request }) => {
      const body = await request.json();
      sent.patches.push(body);
      const parsed = updateLoraInput.safeParse(body);
      if (!parsed.success) return validationFailed(parsed.error.issues);
      const lora = loras.find((l) => l.id === params.id);
      if (!lora) return notFound('LoRA');
      const changed = { ...lora, ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) };
      loras = loras.map((l) => (l.id === lora.id ? changed : l));
      return HttpResponse.json(changed);
    }),
    http.get('/api/loras/:id/impact', () => {
      sent.impacts++;
      return HttpResponse.json({ generations: 3, currentOfCharacter: true, activeJobs: [], ...impact } satisfies LoraImpact);
    }),
    http.delete('/api/loras/:id', ({ params }) => {
      sent.deletes.push(String(params.id));
      if (impact.activeJobs?.length) {
        return apiError(409, { code: 'conflict', message: 'This LoRA is used by a generation that is queued or running; cancel it or wait for it to finish' });
      }
      loras = loras.filter((l) => l.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return sent;
}

const adaV1 = entry({ characterId: ada.id, characterName: ada.name, version: 1, steps: 1000, mostTrained: true, recommended: true });
const adaV2 = entry({
  characterId: ada.id,
  characterName: ada.name,
  version: 2,
  steps: 400,
  sourceRun: { id: runId, status: 'stopped', preset: 'quick', totalSteps: 1000 },
  stoppedEarly: { atStep: 400, ofSteps: 1000 },
});
const bobV1 = entry({ characterId: bob.id, characterName: bob.name, version: 1, steps: 500, mostTrained: true, favourite: true, notes: 'Best at 0.9' });

const item = (name: string) => screen.findByRole('listitem', { name });

describe('LoRAs page', () => {
  it('lists each character’s versions, marking the most trained, the recommended and the stopped-early ones', async () => {
    db.characters = [ada, bob];
    serveLoras([adaV2, bobV1, adaV1]);
    renderApp('/loras');

    const adaSection = await screen.findByRole('region', { name: 'Ada Models' });
    expect(within(adaSection).getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(['Ada Models v2', 'Ada Models v1']);
    const v1 = within(await item('Ada Models v1'));
    expect(v1.getByText('Most trained')).toBeTruthy();
    expect(v1.getByText('Recommended')).toBeTruthy();
    expect(v1.getByRole('link', { name: 'Balanced run of 1000 steps' }).getAttribute('href')).toBe(`/trainings/${runId}`);
    const v2 = within(await item('Ada Models v2'));
    expect(v2.getByText('Stopped early at step 400 of 1000')).toBeTruthy();
    expect(v2.queryByText('Most trained')).toBeNull();
    expect(v2.getByRole('link', { name: 'Download Ada Models v2' }).getAttribute('href')).toBe(adaV2.downloadUrl);
    const bobs = within(await item('Bob Models v1'));
    expect(bobs.getByText('Best at 0.9')).toBeTruthy();
    expect(bobs.getByRole('button', { name: /Favourite Bob Models v1/ }).getAttribute('aria-pressed')).toBe('true');
    expect(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'LoRAs' }).getAttribute('aria-current')).toBe('page');
  });

  it('renames in place, takes notes and stars a LoRA; favourites-only is a filter in the address', async () => {
    db.characters = [ada];
    const sent = serveLoras([adaV1]);
    const user = userEvent.setup();
    const { router } = renderApp('/loras');

    await user.click(await screen.findByRole('button', { name: 'Rename Ada Models v1' }));
    const name = screen.getByRole('textbox', { name: 'New name for Ada Models v1' });
    await user.clear(name);
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Name cannot be empty')).toBeTruthy();
    await user.type(name, 'Ada best{Enter}');
    const renamed = within(await item('Ada best'));
    await waitFor(() => expect(document.activeElement).toBe(renamed.getByRole('button', { name: 'Rename Ada best' })));

    await user.click(renamed.getByRole('button', { name: 'Add notes of Ada best' }));
    await user.type(screen.getByRole('textbox', { name: 'Notes on Ada best' }), 'Sharp at strength 0.8');
    await user.click(screen.getByRole('button', { name: 'Save notes' }));
    expect(await renamed.findByText('Sharp at strength 0.8')).toBeTruthy();

    const star = renamed.getByRole('button', { name: /Favourite Ada best/ });
    expect(star.getAttribute('aria-pressed')).toBe('false');
    await user.click(star);
    await waitFor(() => expect(renamed.getByRole('button', { name: /Favourite Ada best/ }).getAttribute('aria-pressed')).toBe('true'));
    expect(sent.patches).toEqual([{ name: 'Ada best' }, { notes: 'Sharp at strength 0.8' }, { favourite: true }]);

    await user.click(screen.getByRole('checkbox', { name: 'Favourites only' }));
    expect(router.state.location.search).toBe('?favourite=true');
    expect(await item('Ada best')).toBeTruthy();
  });

  it('says what a delete affects before deleting, and the LoRA is gone after', async () => {
    db.characters = [ada];
    const sent = serveLoras([adaV2, adaV1]);
    const user = userEvent.setup();
    renderApp('/loras');

    await user.click(await screen.findByRole('button', { name: 'Delete Ada Models v2' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Ada Models v2?' });
    expect(await within(dialog).findByText('3 generations made with it stay in the gallery, but cannot be made again with it.')).toBeTruthy();
    expect(within(dialog).getByText(/It is Ada Models’s newest trained model/)).toBeTruthy();
    const impactsAsked = sent.impacts;
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));

    await waitFor(() => expect(screen.queryByRole('listitem', { name: 'Ada Models v2' })).toBeNull());
    expect(screen.getByRole('status').textContent).toBe('Ada Models v2 deleted.');
    expect(sent.deletes).toEqual([adaV2.id]);
    expect(await item('Ada Models v1')).toBeTruthy();
    // What it affected is not asked again once it is gone (that would be a 404).
    expect(sent.impacts).toBe(impactsAsked);
  });

  it('explains that a LoRA a running generation uses cannot be deleted yet', async () => {
    db.characters = [ada];
    serveLoras([adaV1], { activeJobs: [{ id: '00000000-0000-4000-8000-00000000000f', status: 'running' }] });
    const user = userEvent.setup();
    renderApp('/loras');

    await user.click(await screen.findByRole('button', { name: 'Delete Ada Models v1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Ada Models v1?' });
    expect(await within(dialog).findByText(/1 generation queued or running uses it/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await within(dialog).findByRole('alert')).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toBe(
      'This LoRA is used by a generation that is queued or running; cancel it or wait for it to finish',
    );
    expect(screen.getByRole('listitem', { name: 'Ada Models v1' })).toBeTruthy();
  });

  it('invites a first training when there is no LoRA yet', async () => {
    serveLoras([]);
    renderApp('/loras');
    expect(await screen.findByText('No trained models yet')).toBeTruthy();
  });
});
