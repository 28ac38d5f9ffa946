import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../../testing/test-utils';
import { CopyButton } from './copy-button';

describe('CopyButton', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('copies the text and says so', async () => {
    const user = userEvent.setup();
    renderWithProviders(<CopyButton text="isg_secret" label="Copy token" />);
    await user.click(screen.getByRole('button', { name: 'Copy token' }));
    expect(await screen.findByText('Copied')).toBeTruthy();
    expect(await navigator.clipboard.readText()).toBe('isg_secret');
  });

  it('asks to copy by hand where the page may not copy (plain http: no clipboard API)', async () => {
    const user = userEvent.setup();
    // After userEvent.setup(), which puts its own clipboard in place.
    vi.stubGlobal('navigator', { ...navigator, clipboard: undefined });
    renderWithProviders(<CopyButton text="isg_secret" label="Copy token" />);
    await user.click(screen.getByRole('button', { name: 'Copy token' }));
    expect(await screen.findByText(/select the text and copy it by hand/)).toBeTruthy();
  });
});
