import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { ModelList } from '../../../../../lib/contracts/models';
import { buildCaptioner, buildFlux, buildModelFile, buildModelList, buildSdxl } from '../../../testing/fixtures/models';
import { server } from '../../../testing/msw/server';
import { renderApp, renderWithProviders } from '../../../testing/test-utils';
import { ModelsList } from './models-list';

/** GET /api/models answers what `current()` says at that moment. */
function serveModels(current: () => ModelList) {
  server.use(http.get('/api/models', () => HttpResponse.json(current())));
}

const card = (name: string) => screen.findByRole('region', { name });

describe('Models page', () => {
  it('shows each model, its files and whether it is ready', async () => {
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    expect(within(flux).getAllByText('Not downloaded', { selector: '.badge' })).toHaveLength(3);
    const files = within(flux).getByRole('list', { name: 'Files of FLUX.1-dev' });
    expect(within(files).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Transformer (the image model)'),
      expect.stringContaining('Autoencoder (VAE)'),
    ]);
    expect(within(files).getByText('models/base/vae/ae.safetensors')).toBeTruthy();

    const sdxl = await card('SDXL base 1.0');
    expect(within(sdxl).getAllByText('Ready', { selector: '.badge' })).toHaveLength(2);
    expect(within(sdxl).getByText(/every file is in place and its checksum verified/i)).toBeTruthy();
    expect(within(sdxl).queryByRole('button')).toBeNull();
  });

  it('explains the licence step of a gated model, with the link and who sets HF_TOKEN', async () => {
    serveModels(() => buildModelList([buildFlux(), buildSdxl()], false));
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    expect(within(flux).getByText('FLUX.1-dev needs its licence accepted first')).toBeTruthy();
    const link = within(flux).getByRole('link', { name: /the flux\.1-dev page on hugging face/i });
    expect(link.getAttribute('href')).toBe('https://huggingface.co/black-forest-labs/FLUX.1-dev');
    expect(within(flux).getByText(/whoever runs this isengard sets that token as hf_token/i)).toBeTruthy();
    expect(within(flux).getByText(/no access token \(hf_token\) is set on this server yet/i)).toBeTruthy();
    // Not gated: no licence step.
    expect(within(await card('SDXL base 1.0')).queryByText(/licence accepted first/)).toBeNull();
  });

  it('starts a download and shows its live progress until the model is ready', async () => {
    const downloading = (done: number) =>
      buildFlux({
        state: 'downloading',
        bytesDone: done,
        totalBytes: 1_000_000_000,
        files: [buildModelFile({ state: 'downloading', bytesDone: done, totalBytes: 1_000_000_000 })],
      });
    const ready = buildFlux({
      state: 'ready',
      bytesDone: 1_000_000_000,
      totalBytes: 1_000_000_000,
      files: [buildModelFile({ state: 'ready', bytesDone: 1_000_000_000, totalBytes: 1_000_000_000 })],
    });
    let provisioned = false;
    // After the click: two answers in progress, then done.
    let polls = 0;
    server.use(
      http.post('/api/models/:id/provision', ({ params }) => {
        provisioned = params.id === 'flux1-dev';
        return HttpResponse.json(downloading(0), { status: 202 });
      }),
    );
    serveModels(() => {
      if (!provisioned) return buildModelList();
      return buildModelList([polls++ < 2 ? downloading(250_000_000) : ready, buildSdxl()]);
    });
    const user = userEvent.setup();
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    await user.click(within(flux).getByRole('button', { name: 'Download' }));
    expect(provisioned).toBe(true);

    const bar = await within(flux).findByRole('progressbar', { name: 'FLUX.1-dev download' });
    expect(within(flux).getByRole('button', { name: 'Stop download' })).toBeTruthy();
    await within(flux).findByText('238 MB of 954 MB (25%)', {}, { timeout: 4000 });
    expect(bar.getAttribute('aria-valuetext')).toBe('238 MB of 954 MB (25%)');

    expect(await within(flux).findByText('FLUX.1-dev is downloaded and verified.', {}, { timeout: 4000 })).toBeTruthy();
    expect(within(flux).queryByRole('progressbar')).toBeNull();
  }, 15_000);

  it('stops a running download', async () => {
    let cancelled = false;
    const running = buildFlux({ state: 'downloading', bytesDone: 100, files: [buildModelFile({ state: 'downloading', bytesDone: 100 })] });
    server.use(
      http.post('/api/models/:id/cancel', () => {
        cancelled = true;
        return HttpResponse.json(running, { status: 202 });
      }),
    );
    const stopped = buildFlux({ bytesDone: 100, files: [buildModelFile({ bytesDone: 100, totalBytes: 1000 })] });
    serveModels(() => buildModelList([cancelled ? stopped : running, buildSdxl()]));
    const user = userEvent.setup();
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    await user.click(within(flux).getByRole('button', { name: 'Stop download' }));
    expect(cancelled).toBe(true);
    expect(await within(flux).findByRole('button', { name: 'Continue download' }, { timeout: 4000 })).toBeTruthy();
    expect(within(flux).getByText(/partly downloaded · 100 B of 1000 B/i)).toBeTruthy();
  }, 10_000);

  it('says plainly that a download is trying again, and why, instead of just waiting', async () => {
    const reason = 'No network: huggingface.co could not be reached';
    serveModels(() =>
      buildModelList([
        buildFlux({
          state: 'downloading',
          bytesDone: 400_000_000,
          retrying: reason,
          files: [
            buildModelFile({ state: 'downloading', bytesDone: 400_000_000, totalBytes: 1_000_000_000, retrying: reason }),
            buildModelFile({ id: 'autoencoder', label: 'Autoencoder (VAE)', path: 'models/base/vae/ae.safetensors', totalBytes: 335_304_388 }),
          ],
        }),
        buildSdxl(),
      ]),
    );
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    expect(within(flux).getByText(`Trying again: ${reason}.`)).toBeTruthy();
    expect(within(flux).getByText(/tries again by itself a few times over about a minute/)).toBeTruthy();
    expect(within(flux).getAllByText('Trying again', { selector: '.badge' })).toHaveLength(2);
    expect(within(flux).getByRole('button', { name: 'Stop download' })).toBeTruthy();
    const [transformer, vae] = within(within(flux).getByRole('list', { name: 'Files of FLUX.1-dev' })).getAllByRole('listitem');
    expect(transformer!.textContent).toContain(`Trying again: ${reason} · 381 MB of 954 MB`);
    // The other file does wait for its turn.
    expect(vae!.textContent).toContain('Waiting for its turn');
    expect(within(flux).getByRole('status').textContent).toBe(`FLUX.1-dev: Trying again: ${reason}.`);
  });

  it('does not say "trying again" once the download is no longer running', async () => {
    serveModels(() => buildModelList([buildFlux({ retrying: 'No network', files: [buildModelFile({ retrying: 'No network' })] }), buildSdxl()]));
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    expect(within(flux).queryByText(/Trying again/)).toBeNull();
  });

  it('explains a failure in plain words, with the reason', async () => {
    const error = { code: 'checksum_mismatch', message: 'The downloaded file is damaged or not the expected one: its sha256 is abc, expected def.' };
    serveModels(() => buildModelList([buildFlux({ state: 'failed', error, files: [buildModelFile({ state: 'failed', error })] }), buildSdxl()]));
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    const alert = within(flux).getByRole('alert');
    expect(alert.textContent).toContain('damaged or not the right one, so it was thrown away');
    expect(alert.textContent).toContain('its sha256 is abc, expected def');
    expect(within(flux).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('says why a download could not start', async () => {
    server.use(
      http.post('/api/models/:id/provision', () =>
        HttpResponse.json({ error: { code: 'unavailable', message: 'Temporal did not accept the download: connection refused' } }, { status: 503 }),
      ),
    );
    const user = userEvent.setup();
    renderWithProviders(<ModelsList />);

    const flux = await card('FLUX.1-dev');
    await user.click(within(flux).getByRole('button', { name: 'Download' }));
    expect((await within(flux).findByRole('alert')).textContent).toContain('Temporal did not accept the download: connection refused');
  });

  it('offers the captioner like a base model, and says which commit its files are verified at', async () => {
    const commit = '3c1f2ab94d5e6f708192a3b4c5d6e7f8091a2b3c';
    let provisioned: string | undefined;
    server.use(
      http.post('/api/models/:id/provision', ({ params }) => {
        provisioned = String(params.id);
        return HttpResponse.json(buildCaptioner({ state: 'downloading', hubCommit: commit }), { status: 202 });
      }),
    );
    serveModels(() =>
      buildModelList([
        buildFlux(),
        provisioned ? buildCaptioner({ state: 'ready', hubCommit: commit, bytesDone: 9_000_000_000, totalBytes: 9_000_000_000 }) : buildCaptioner(),
      ]),
    );
    const user = userEvent.setup();
    renderWithProviders(<ModelsList />);

    const captioner = await card('Qwen3-VL-4B-Instruct (captioner)');
    expect(within(captioner).getByText(/writes captions for training photos/)).toBeTruthy();
    expect(within(captioner).getByText(/fetches every file from that one commit, each verified against the hub's own hashes/)).toBeTruthy();
    expect(within(captioner).getByText('models/base/captioners/Qwen3-VL-4B-Instruct/config.json')).toBeTruthy();
    // Base models are pinned by hash in the catalogue: no commit note there.
    expect(within(await card('FLUX.1-dev')).queryByText(/hub's own hashes/)).toBeNull();

    await user.click(within(captioner).getByRole('button', { name: 'Download' }));
    expect(provisioned).toBe('qwen3-vl-4b-instruct');
    const note = await within(captioner).findByText(/verified against the hub's own hashes at commit/, {}, { timeout: 4000 });
    expect(note.textContent).toContain(commit.slice(0, 12));
    expect(await within(captioner).findByText(/every file is in place and its checksum verified/i, {}, { timeout: 4000 })).toBeTruthy();
  }, 10_000);

  it('is reachable from the main navigation', async () => {
    const user = userEvent.setup();
    renderApp('/characters');
    await user.click(await screen.findByRole('link', { name: 'Models' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Models' })).toBeTruthy();
    expect(await card('FLUX.1-dev')).toBeTruthy();
  });
});
