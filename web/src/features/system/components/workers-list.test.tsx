import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../../../../lib/contracts/health';
import { buildGpuWorker, gpuSimulated, healthDegraded, healthGpuLost, healthGpuUnusable, healthOk } from '../../../testing/fixtures/health';
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
    expect(within(worker!).getByText(/^GPU: /).textContent).toBe('GPU: NVIDIA H100 80GB HBM3 · 78.6 GB free of 79.2 GB · torch 2.7.0+cu128, CUDA 12.8');
    expect(within(worker!).queryByText('No usable GPU')).toBeNull();

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

  it('says plainly when a GPU worker cannot use its GPU, why, what to do, and that its jobs fail', async () => {
    serveHealth(healthGpuUnusable);
    renderWithProviders(<WorkersList />);

    const [worker] = await gpuWorkers();
    expect(within(worker!).getByText('No usable GPU', { selector: '.badge' }).className).toContain('badge--danger');
    const problem = worker!.querySelector('.gpu-worker-gpu-problem')!;
    expect(problem.className).toContain('inline-error');
    expect(problem.textContent).toBe(
      "Its jobs fail at once: Cannot use its GPU for ai-toolkit: torch 2.5.1+cpu was built without CUDA, so it can only use the CPU. Recreate ai-toolkit's environment with a CUDA build of torch (scripts/engines/create-env ai-toolkit --recreate), then restart the GPU worker.",
    );
    // Each engine's Python has its own torch: both are shown.
    expect(within(worker!).getByText(/^GPU: /).textContent).toBe(
      'GPU: NVIDIA H100 80GB HBM3 · 78.6 GB free of 79.2 GB · ai-toolkit: torch 2.5.1+cpu, no CUDA; ComfyUI: torch 2.7.0+cu128, CUDA 12.8',
    );
  });

  it('names a simulated GPU as simulated, and one being checked as such', async () => {
    serveHealth({
      ...healthOk,
      gpuWorkers: [
        buildGpuWorker({ workerId: 'gpu-sim', gpu: gpuSimulated }),
        buildGpuWorker({ workerId: 'gpu-new', gpu: { ...gpuSimulated, state: 'checking', device: null, totalMb: null, freeMb: null } }),
      ],
    });
    renderWithProviders(<WorkersList />);

    const [checking, simulated] = await gpuWorkers();
    expect(within(simulated!).getByText(/^GPU: /).textContent).toBe('GPU: Simulated GPU (fast-test: the engines are simulators) · 23.4 GB free of 24 GB');
    expect(within(checking!).getByText(/^GPU: /).textContent).toBe('GPU: Being checked…');
    expect(simulated!.querySelector('.gpu-worker-gpu-problem')).toBeNull();
  });
});
