import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Health } from '../../../../../lib/contracts/health';
import { healthDiskLow, healthOk } from '../../../testing/fixtures/health';
import { server } from '../../../testing/msw/server';
import { renderWithProviders } from '../../../testing/test-utils';
import { HealthBanner } from './health-banner';
import { HealthChecks } from './health-checks';

function serveHealth(health: Health) {
  server.use(http.get('/api/health', () => HttpResponse.json(health)));
}

const checkItems = async () => [...(await screen.findAllByRole('listitem')).filter((li) => li.classList.contains('check-item'))];

describe('HealthChecks', () => {
  it('lists every check in order, the disk with the free space of each volume', async () => {
    serveHealth(healthOk);
    renderWithProviders(<HealthChecks />);

    const items = await checkItems();
    expect(items.map((item) => item.querySelector('.check-label')?.textContent)).toEqual([
      'Database',
      'Disk space',
      'Job engine (Temporal)',
      'Workers',
      'GPUs',
      'Training and image engines',
      'Base models',
    ]);
    const disk = items[1]!;
    expect(within(disk).getByText('OK', { selector: '.badge' })).toBeTruthy();
    expect(disk.textContent).toContain('The data and log volume has 78 GB free of 250 GB');
    const volumes = within(disk).getByRole('list', { name: 'Free space per volume' });
    expect([...volumes.children].map((li) => li.textContent?.trim())).toEqual([
      'Data volume: 78 GB free of 250 GB /workspace',
      'Log volume: on the data volume /workspace/logs',
    ]);
  });

  it('shows a nearly full data volume as a problem, with the numbers', async () => {
    serveHealth(healthDiskLow);
    renderWithProviders(<HealthChecks />);

    const disk = (await checkItems())[1]!;
    expect(within(disk).getByText('Problem', { selector: '.badge' })).toBeTruthy();
    expect(disk.textContent).toContain('The data volume has 2.1 GB free (below the 10 GB warning threshold)');
    const [data, logs] = [...within(disk).getByRole('list', { name: 'Free space per volume' }).children] as HTMLElement[];
    expect(within(data!).getByText('Low', { selector: '.badge' })).toBeTruthy();
    expect(data!.textContent).toContain('Data volume: 2.1 GB free of 250 GB');
    expect(within(logs!).queryByText(/Low|Full/, { selector: '.badge' })).toBeNull();
    expect(logs!.textContent).toContain('Log volume: 40 GB free of 50 GB');
  });
});

describe('HealthBanner and the disk', () => {
  it('names a nearly full disk among the failing checks', async () => {
    serveHealth(healthDiskLow);
    renderWithProviders(<HealthBanner />);

    const banner = await screen.findByRole('status');
    expect(banner.textContent).toContain('Disk space: The data volume has 2.1 GB free (below the 10 GB warning threshold)');
    expect(banner.textContent).not.toContain('Workers');
  });
});
