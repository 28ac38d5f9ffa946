import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportRenderError } from '../lib/error-reporting';
import { Button } from './ui/button';

interface Props {
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/** Catches a render error, reports it to the API and offers a way out instead of a blank page. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportRenderError(error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return <ErrorFallback error={this.state.error} onRetry={() => this.setState({ error: null })} />;
  }
}

export function ErrorFallback({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <section className="error-fallback" role="alert" aria-labelledby="error-fallback-title">
      <h1 id="error-fallback-title">Something went wrong on this page</h1>
      <p>The problem has been reported. You can try again, or reload the page.</p>
      {error instanceof Error && error.message && <p className="muted">Details: {error.message}</p>}
      <div className="actions">
        {onRetry && (
          <Button variant="primary" onClick={onRetry}>
            Try again
          </Button>
        )}
        <Button onClick={() => window.location.reload()}>Reload the page</Button>
      </div>
    </section>
  );
}
