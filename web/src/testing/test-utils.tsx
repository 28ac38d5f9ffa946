import { render } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { AppProviders } from '../app/app';
import { routes } from '../app/router';
import { createQueryClient } from '../lib/query-client';
import { FakeEventSource } from './fake-event-source';

/** Tests fail fast instead of waiting for a retry. Renders use StrictMode, as main.tsx does. */
function testQueryClient() {
  return createQueryClient({ queries: { retry: false } });
}

/** The whole app (shell, routes, providers) at `path`, as a person would see it. */
export function renderApp(path: string) {
  const queryClient = testQueryClient();
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <StrictMode>
      <AppProviders queryClient={queryClient} eventSource={FakeEventSource.create}>
        <RouterProvider router={router} />
      </AppProviders>
    </StrictMode>,
  );
  return { ...view, router, queryClient };
}

/** One component with the app's providers and a router around it. */
export function renderWithProviders(ui: ReactNode) {
  const queryClient = testQueryClient();
  const router = createMemoryRouter([{ path: '*', element: ui }]);
  const view = render(
    <StrictMode>
      <AppProviders queryClient={queryClient} eventSource={FakeEventSource.create}>
        <RouterProvider router={router} />
      </AppProviders>
    </StrictMode>,
  );
  return { ...view, router, queryClient };
}
