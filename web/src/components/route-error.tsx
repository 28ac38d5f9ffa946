import { useEffect } from 'react';
import { isRouteErrorResponse, useRouteError } from 'react-router';
import { reportRenderError } from '../lib/error-reporting';
import { ErrorFallback } from './error-boundary';

/** The router's last line of defence (errors in the shell itself); page errors are caught inside the shell. */
export function RouteError() {
  const error = useRouteError();
  useEffect(() => {
    if (!isRouteErrorResponse(error)) reportRenderError(error);
  }, [error]);
  return (
    <main id="main" className="main">
      <ErrorFallback error={error} />
    </main>
  );
}
