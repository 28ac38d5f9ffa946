import { describe, expect, it } from 'vitest';
import { temporalWorkflowsUrl, temporalWorkflowUrl } from './temporal-ui';

describe('Temporal UI addresses', () => {
  it('opens the workflows of Isengard’s namespace, not the UI’s default one', () => {
    expect(temporalWorkflowsUrl('http://127.0.0.1:8233', 'isengard')).toBe('http://127.0.0.1:8233/namespaces/isengard/workflows');
  });

  it('copes with a trailing slash and a namespace that needs escaping', () => {
    expect(temporalWorkflowsUrl('https://temporal.example.com/ui/', 'team a/prod')).toBe(
      'https://temporal.example.com/ui/namespaces/team%20a%2Fprod/workflows',
    );
  });

  it('names one workflow under the same namespace', () => {
    expect(temporalWorkflowUrl('http://127.0.0.1:8233/', 'isengard', 'training-1')).toBe(
      'http://127.0.0.1:8233/namespaces/isengard/workflows/training-1',
    );
  });
});
