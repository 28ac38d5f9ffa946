import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorBoundary } from '../components/error-boundary';
import { EventSourceContext } from '../lib/events/event-source-context';
import { browserEventSource, type EventSourceFactory } from '../lib/events/event-stream';

interface AppProvidersProps {
  queryClient: QueryClient;
  /** Where live updates come from: the browser's EventSource, or a test's fake. */
  eventSource?: EventSourceFactory;
  children: ReactNode;
}

/** Everything every page needs, whatever router renders it (the browser's, or a test's memory router). */
export function AppProviders({ queryClient, eventSource = browserEventSource, children }: AppProvidersProps) {
  return (
    <ErrorBoundary>
      <QueryClientProvider client={queryClient}>
        <EventSourceContext.Provider value={eventSource}>{children}</EventSourceContext.Provider>
      </QueryClientProvider>
    </ErrorBoundary>
  );
}
