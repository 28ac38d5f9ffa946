import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { SelfTest } from '../../../../../lib/contracts/self-tests';
import { buildSelfTest } from '../../../testing/fixtures/self-tests';
import { server } from '../../../testing/msw/server';
import { renderApp, renderWithProviders } from '../../../testing/test-utils';
import { SelfTestPanel } from './self-test-panel';

/** The API's answers to successive GETs: the last one repeats. */
function serveSelfTestSequence(states: SelfTest[]) {
  let call = 0;
  server.use(
    http.post('/api/self-tests', () => HttpResponse.json(buildSelfTest(), { status: 202 })),
    http.get('/api/self-tests/:id', () => HttpResponse.json(states[Math.min(call++, states.length - 1)])),
  );
}

describe('SelfTestPanel', () => {
  it('starts a self-test, shows its live progress and its result', async () => {
    serveSelfTestSequence([
      buildSelfTest({ status: 'running', step: 2, startedAt: '2026-01-15T10:00:01.000Z', gpuWorkers: ['gpu-0'] }),
      buildSelfTest({
        status: 'completed',
        step: 3,
        gpuWorkers: ['gpu-0'],
        startedAt: '2026-01-15T10:00:01.000Z',
        finishedAt: '2026-01-15T10:00:02.500Z',
        result: {
          workerId: 'gpu-0',
          hostname: 'gpu-host',
          resumedFromStep: 0,
          gpu: { available: true, detail: 'simulated (fast-test mode)' },
          storageShared: true,
        },
      }),
    ]);
    const user = userEvent.setup();
    renderWithProviders(<SelfTestPanel />);

    const status = screen.getByRole('status');
    await user.click(screen.getByRole('button', { name: 'Run self-test' }));

    // Queued: the bar is indeterminate and the button says why it cannot be pressed again.
    expect(await within(status).findByText(/self-test queued/i)).toBeTruthy();
    const queuedBar = screen.getByRole('progressbar', { name: 'Self-test progress' });
    expect(queuedBar.getAttribute('aria-valuenow')).toBeNull();
    expect((screen.getByRole('button', { name: /self-test running/i }) as HTMLButtonElement).disabled).toBe(true);

    expect(await within(status).findByText('Self-test running.', {}, { timeout: 3000 })).toBeTruthy();
    const bar = screen.getByRole('progressbar', { name: 'Self-test progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('2');
    expect(bar.getAttribute('aria-valuemax')).toBe('3');
    expect(bar.getAttribute('aria-valuetext')).toBe('Step 2 of 3');

    expect(await within(status).findByText(/self-test passed/i, {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('Step 3 of 3');
    expect(screen.getByText('simulated (fast-test mode)')).toBeTruthy();
    expect(screen.getByText('1.5 s')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Run self-test again' })).toBeTruthy();

    const workflowLink = await screen.findByRole('link', { name: /open it in the temporal ui/i });
    expect(workflowLink.getAttribute('href')).toBe(
      'http://127.0.0.1:8233/namespaces/isengard/workflows/self-test-4d6f1c2a-8b3e-4f5a-9c7d-1e2f3a4b5c6d',
    );
    expect(workflowLink.getAttribute('target')).toBe('_blank');
  }, 10_000);

  it('announces a failure with its reason', async () => {
    serveSelfTestSequence([
      buildSelfTest({ status: 'failed', step: 1, errorMessage: 'No GPU worker picked up the job within 30 s' }),
    ]);
    const user = userEvent.setup();
    renderWithProviders(<SelfTestPanel />);

    await user.click(screen.getByRole('button', { name: 'Run self-test' }));

    const status = screen.getByRole('status');
    expect(
      await within(status).findByText(/self-test failed: no gpu worker picked up the job within 30 s/i, {}, { timeout: 3000 }),
    ).toBeTruthy();
  }, 10_000);

  it('explains why a self-test could not start', async () => {
    server.use(
      http.post('/api/self-tests', () =>
        HttpResponse.json(
          { error: { code: 'unavailable', message: 'Temporal did not accept the workflow: connection refused' } },
          { status: 503 },
        ),
      ),
    );
    const user = userEvent.setup();
    renderWithProviders(<SelfTestPanel />);

    await user.click(screen.getByRole('button', { name: 'Run self-test' }));

    expect((await screen.findByRole('alert')).textContent).toContain(
      'Temporal did not accept the workflow: connection refused',
    );
  });
});

describe('System page', () => {
  it('shows the self-test named in the address, so a reload keeps the run', async () => {
    renderApp('/system?selfTest=4d6f1c2a-8b3e-4f5a-9c7d-1e2f3a4b5c6d');

    expect(await screen.findByText(/self-test passed/i)).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Self-test progress' }).getAttribute('aria-valuetext')).toBe(
      'Step 3 of 3',
    );
  });
});
