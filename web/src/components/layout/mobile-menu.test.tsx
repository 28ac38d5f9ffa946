import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../testing/test-utils';

describe('The header menu (one row on a phone)', () => {
  it('opens from its button, closes with Escape returning the focus, and closes when a page is chosen', { timeout: 20_000 }, async () => {
    const user = userEvent.setup();
    const { router } = renderApp('/characters');
    const button = await screen.findByRole('button', { name: 'Menu' });
    const menu = document.getElementById(button.getAttribute('aria-controls')!)!;
    expect(within(menu).getByRole('navigation', { name: 'Main' })).toBeTruthy();
    expect(document.querySelector('.header-current')?.textContent).toBe('Characters');
    expect(button.getAttribute('aria-expanded')).toBe('false');

    await user.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    within(menu).getByRole('link', { name: 'Generate' }).focus();
    await user.keyboard('{Escape}');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button);

    await user.click(button);
    await user.click(within(menu).getByRole('link', { name: 'Gallery' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/gallery'));
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(document.querySelector('.header-current')?.textContent).toBe('Gallery');

    await user.click(button);
    await user.click(document.body);
    expect(button.getAttribute('aria-expanded')).toBe('false');
  });
});
