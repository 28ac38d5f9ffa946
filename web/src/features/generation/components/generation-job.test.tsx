import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../../../../lib/contracts/generations';
import { buildGeneration, buildParams } from '../../../testing/fixtures/generations';
import { FakeEventSource } from '../../../testing/fake-event-source';
import { db } from '../../../testing/msw/db';
import { server } from '../../../testing/msw/server';
import { renderApp } from '../../../testing/test-utils';

const asked = '2026-01-16T12:00:05.000Z';

function setup(generation: Generation) {
  db.generations = [generation];
  const user = userEvent.setup();
  const view = renderApp(`/generate?job=${generation.id}`);
  return { user, ...view };
}

async function openStream(generation: Generation) {
  const stream = await waitFor(() => FakeEventSource.latest(`/api/generations/${generation.id}/events`));
  stream.open();
  return stream;
}

const job = () => screen.findByRole('region', { name: 'Your pictures' });
const bar = () => screen.getByRole('progressbar', { name: 'Generation progress' });
/** Stream updates reach the page through the query cache, which notifies on a later tick. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 20)));
const liveRegion = () => document.querySelector('.generation-job [aria-live="polite"]')!;

describe('Cancelling a generation', () => {
  it('says "Cancelling…" from the click until the generation ends, with the progress of the click', async () => {
    const running = buildGeneration({ status: 'running', progress: 0.4, parameters: buildParams({ userPrompt: 'a red bicycle', batch: 2 }) });
    // The answer to Cancel waits until the test lets it go, to see the page while the request is on its way.
    let answer: () => void = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    server.use(
      http.post('/api/generations/:id/cancel', async () => {
        await answered;
        db.cancels.push(running.id);
        return HttpResponse.json({ ...running, progress: 0.6, cancelRequestedAt: asked }, { status: 202 });
      }),
    );
    const { user } = setup(running);
    const region = await job();
    const stream = await openStream(running);
    expect(await within(region).findByText('Picture 1 of 2 · 40%')).toBeTruthy();

    await user.click(within(region).getByRole('button', { name: 'Cancel' }));
    const button = within(region).getByRole('button', { name: 'Cancelling…' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(within(region).getByText('Cancelling…', { selector: '.badge' })).toBeTruthy();
    expect(liveRegion().textContent).toBe('Cancelling…');
    expect(within(region).getByText(/^Cancelling… the pictures being made are dropped/)).toBeTruthy();

    // The engine moves on a little before it stops: the bar does not.
    stream.emit('generation', { ...running, progress: 0.5 }, '2');
    await settle();
    expect(bar().getAttribute('aria-valuenow')).toBe('40');
    expect(bar().getAttribute('aria-valuetext')).toBe('Cancelling… stopped at 40%');

    answer();
    await waitFor(() => expect(db.cancels).toEqual([running.id]));
    stream.emit('generation', { ...running, progress: 0.7, cancelRequestedAt: asked }, '3');
    await settle();
    expect(bar().getAttribute('aria-valuenow')).toBe('40');
    expect(within(region).getByRole('button', { name: 'Cancelling…' })).toBeTruthy();

    stream.emit('generation', { ...running, status: 'cancelled', cancelRequestedAt: asked, finishedAt: '2026-01-16T12:00:07.000Z' }, '4');
    expect(await within(region).findByText('Cancelled. Nothing was kept.')).toBeTruthy();
    expect(within(region).getByText('Cancelled', { selector: '.badge' })).toBeTruthy();
    expect(within(region).queryByRole('button', { name: /Cancel/ })).toBeNull();
    expect(liveRegion().textContent).toBe('Cancelled.');
  });

  it('keeps saying "Cancelling…" after a reload, from the generation itself', async () => {
    const cancelling = buildGeneration({ status: 'running', progress: 0.55, cancelRequestedAt: asked });
    setup(cancelling);
    const region = await job();
    expect(await within(region).findByText('Cancelling…', { selector: '.badge' })).toBeTruthy();
    expect((within(region).getByRole('button', { name: 'Cancelling…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(bar().getAttribute('aria-valuenow')).toBe('55');
    expect(liveRegion().textContent).toBe('Cancelling…');

    const stream = await openStream(cancelling);
    stream.emit('generation', { ...cancelling, progress: 0.9 }, '5');
    await settle();
    expect(within(region).getByText('Cancelling…', { selector: '.badge' })).toBeTruthy();
    expect(bar().getAttribute('aria-valuenow')).toBe('55');
  });

  it('cancels a queued generation, and says so when the cancel is refused', async () => {
    const queued = buildGeneration({ status: 'queued', waitingFor: 'waiting for the GPU: training of Subject One' });
    server.use(
      http.post('/api/generations/:id/cancel', () =>
        HttpResponse.json({ error: { code: 'unavailable', message: 'Temporal did not answer' } }, { status: 503 }),
      ),
    );
    const { user } = setup(queued);
    const region = await job();
    await user.click(await within(region).findByRole('button', { name: 'Cancel' }));
    expect((await within(region).findByRole('alert')).textContent).toBe('The generation could not be cancelled. Temporal did not answer');
    // Back to what it was: nothing is being cancelled.
    expect(within(region).getByRole('button', { name: 'Cancel' })).toBeTruthy();
    expect(within(region).getByText('Queued', { selector: '.badge' })).toBeTruthy();
  });
});

describe('The gallery’s unfinished generations', () => {
  it('says "Cancelling…" for one whose cancel is on its way, instead of its progress', async () => {
    db.generations = [
      buildGeneration({ status: 'running', progress: 0.3, cancelRequestedAt: asked, parameters: buildParams({ userPrompt: 'a red bicycle' }) }),
      buildGeneration({ status: 'running', progress: 0.3, parameters: buildParams({ userPrompt: 'an old lighthouse' }), createdAt: '2026-01-16T11:00:00.000Z' }),
    ];
    renderApp('/gallery');
    const pending = await screen.findByRole('list', { name: 'In progress and unfinished' });
    const [cancelling, running] = within(pending).getAllByRole('listitem');
    expect(within(cancelling!).getByText('Cancelling…')).toBeTruthy();
    expect(within(cancelling!).queryByText(/Generating/)).toBeNull();
    expect(within(running!).getByText('Generating, 30%')).toBeTruthy();
  });
});

describe('A finished generation’s pictures', () => {
  it('say "Scoring…" until their likeness comes, then show it without a reload', async () => {
    const finishedAt = new Date().toISOString();
    const done = buildGeneration({ characterId: '0d9f2c3e-5b1a-4c8e-9f7d-2a6b4c8e0f13', finishedAt, parameters: buildParams({ userPrompt: 'by the sea', batch: 2 }) });
    setup(done);
    const region = await job();
    await waitFor(() => expect(within(region).getAllByText('Scoring…')).toHaveLength(2));

    const scoredAt = new Date().toISOString();
    const likeness = (similarity: number, recognisable: boolean) =>
      ({ scorer: 'face-api@1', status: 'scored', similarity, recognisable, faces: 1, copyOf: null, scoredAt }) as const;
    db.generations = [{ ...done, outputs: [{ ...done.outputs[0]!, likeness: likeness(0.96, true) }, { ...done.outputs[1]!, likeness: likeness(0.88, false) }] }];
    expect(await within(region).findByText('Likeness 0.96 · recognisable', {}, { timeout: 5_000 })).toBeTruthy();
    expect(within(region).getByText('Not like the person 0.88')).toBeTruthy();
    expect(within(region).queryByText('Scoring…')).toBeNull();
  });

  it('say nothing of likeness when made without a character', async () => {
    const done = buildGeneration({ finishedAt: new Date().toISOString() });
    setup(done);
    const region = await job();
    await within(region).findAllByRole('img');
    expect(within(region).queryByText('Scoring…')).toBeNull();
  });
});
