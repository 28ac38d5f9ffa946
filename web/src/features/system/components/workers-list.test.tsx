import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../../../../lib/contracts/health';
import { healthDegraded, healthGpuLost, healthOk } from '../../../testing/fixtures/health';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { WorkersList } from './workers-list';

function serveHealth(health: Health) {
  server.use(http.get('/api/health', () => HttpResponse.json(health)));
}

/** The GPU workers' entries, in order (each one lists its jobs in a list of its own). */
const gpuWorkers = async () => [...(await screen.findByRole('list', { name: 'GPU workers' })).children] as HTMLElement[];

describe('WorkersList', () => {
  it('shows each GPU worker with its state, host and engines, and the Temporal task queues apart', async () => {
    serveHealth(healthOk);
    renderWithProviders(<WorkersList />);

    const [worker] = await gpuWorkers();
    expect(within(worker!).getByText('Idle', { selector: '.badge' })).toBeTruthy();
    expect(within(worker!).getByText('gpu-0')).toBeTruthy();
    expect(within(worker!).getByText('on gpu-host')).toBeTruthy();
    expect(within(worker!).getByText('Last report 2 s ago.')).toBeTruthy();
    expect(within(worker!).getByText('No job: ready for work.')).toBeTruthy();
    expect(worker!.textContent).toContain('Engines: ai-toolkit (ready), ComfyUI (ready)');

    expect(screen.getByRole('heading', { name: 'Temporal task queues' })).toBeTruthy();
    const table = screen.getByRole('table');
    expect(within(table).getByRole('cell', { name: 'isengard-control' })).toBeTruthy();
    expect(within(table).getByRole('cell', { name: '202@gpu-host' })).toBeTruthy();
  });

  it('makes a lost GPU worker unmistakable: first, in a danger tone, silent for how long, with the jobs it held', async () => {
    serveHealth(healthGpuLost);
    renderWithProviders(<WorkersList />);

    const [lost, busy] = await gpuWorkers();
    expect(lost!.className).toContain('gpu-worker--lost');
    expect(within(lost!).getByText('Lost', { selector: '.badge' }).className).toContain('badge--danger');
    expect(within(lost!).getByText('gpu-a')).toBeTruthy();
    expect(within(lost!).getByText('Lost: no word for 75 s.')).toBeTruthy();
    expect(within(lost!).getByText('It held:')).toBeTruthy();
    expect(within(lost!).getByText('The training of Ada')).toBeTruthy();

    const summary = screen.getByText(/A GPU worker is lost:/).closest('p')!;
    expect(summary.textContent).toBe(
      'A GPU worker is lost: it has not reported for more than 60 s (crashed, frozen or cut off). Its jobs move to another GPU worker.',
    );

    expect(within(busy!).getByText('Busy', { selector: '.badge' })).toBeTruthy();
    expect(within(busy!).getByText('Working on:')).toBeTruthy();
    expect(within(busy!).getByText('The generation “a portrait in the rain”')).toBeTruthy();
    expect(busy!.className).not.toContain('gpu-worker--lost');
  });

  it('says when no GPU worker runs', async () => {
    serveHealth(healthDegraded);
    renderWithProviders(<WorkersList />);

    expect(await screen.findByText('No GPU worker is running: training and pictures wait until one starts.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'GPU workers' })).toBeNull();
    expect(screen.getByRole('cell', { name: '101@control-host' })).toBeTruthy();
  });
});
