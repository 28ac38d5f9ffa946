import '@fontsource-variable/inter';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { sessionKey } from '../features/auth/api/session';
import { followSession, installGlobalErrorHandlers } from '../lib/error-reporting';
import { createQueryClient } from '../lib/query-client';
import { AppProviders } from './app';
import { routes } from './router';

installGlobalErrorHandlers();

const queryClient = createQueryClient();
// Error reports wait while the login page shows (the API takes them only from a logged-in browser) and go after it.
followSession(queryClient, sessionKey);
const router = createBrowserRouter(routes);
const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <AppProviders queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
