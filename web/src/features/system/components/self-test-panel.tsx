import { useSearchParams } from 'react-router';
import type { SelfTest } from '../../../../../lib/contracts/self-tests';
import { Button } from '../../../components/ui/button';
import { ExternalLink } from '../../../components/ui/external-link';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { useCreateSelfTest } from '../api/create-self-test';
import { useHealth } from '../api/get-health';
import { isSelfTestActive, useSelfTest } from '../api/get-self-test';
import { temporalWorkflowUrl } from '../utils/temporal-ui';

/** Only status changes are announced; step ticks are not (they would flood a screen reader). */
function announcement(test: SelfTest | undefined): string {
  switch (test?.status) {
    case undefined:
      return '';
    case 'queued':
      return 'Self-test queued: waiting for a worker to pick it up.';
    case 'running':
      return 'Self-test running.';
    case 'completed':
      return 'Self-test passed: every part of the pipeline works.';
    case 'failed':
      return `Self-test failed: ${test.errorMessage ?? 'no reason was recorded'}`;
  }
}

export function SelfTestPanel() {
  // The running test lives in the address, so a reload or a shared link shows the same run.
  const [searchParams, setSearchParams] = useSearchParams();
  const selfTestId = searchParams.get('selfTest') ?? undefined;
  const createSelfTest = useCreateSelfTest();
  const selfTest = useSelfTest(selfTestId);
  const health = useHealth();
  const test = selfTest.data;
  const busy = createSelfTest.isPending || isSelfTestActive(test);

  function run() {
    createSelfTest.mutate(
      {},
      { onSuccess: (created) => setSearchParams({ selfTest: created.id }, { replace: true }) },
    );
  }

  return (
    <section className="card" aria-labelledby="self-test-title">
      <h2 id="self-test-title" className="card-title">
        Pipeline self-test
      </h2>
      <p className="muted">
        Proves that the API, the job engine (Temporal), the workers, the shared storage and the database work together.
        It takes a few seconds and changes nothing.
      </p>
      <div className="actions">
        <Button variant="primary" onClick={run} disabled={busy}>
          {busy ? 'Self-test running…' : test ? 'Run self-test again' : 'Run self-test'}
        </Button>
        {busy && <span className="muted">A new run can start when this one has finished.</span>}
      </div>
      {createSelfTest.isError && (
        <p role="alert" className="form-error">
          The self-test could not start. {createSelfTest.error.message}
        </p>
      )}
      {selfTest.isError && (
        <p role="alert" className="form-error">
          The self-test's progress could not be read. {selfTest.error.message}
        </p>
      )}
      <p role="status" aria-live="polite" className="self-test-status">
        {announcement(test)}
      </p>
      {test && (
        <SelfTestProgress
          test={test}
          workflowUrl={
            health.data?.temporalUiUrl
              ? temporalWorkflowUrl(health.data.temporalUiUrl, health.data.temporalNamespace, test.workflowId)
              : undefined
          }
        />
      )}
    </section>
  );
}

function SelfTestProgress({ test, workflowUrl }: { test: SelfTest; workflowUrl: string | undefined }) {
  const stepText = `Step ${test.step} of ${test.steps}`;
  const valueText = test.status === 'queued' ? 'Waiting for a worker' : stepText;
  return (
    <div className="self-test-progress">
      <ProgressBar
        label="Self-test progress"
        max={test.steps}
        value={test.status === 'queued' ? undefined : test.step}
        valueText={valueText}
      />
      <p className="muted">{valueText}</p>
      {test.status === 'failed' && test.errorMessage && <p className="form-error">{test.errorMessage}</p>}
      {test.status === 'completed' && <SelfTestResult test={test} />}
      <p className="muted">
        Workflow <code>{test.workflowId}</code>
        {workflowUrl && (
          <>
            {' · '}
            <ExternalLink href={workflowUrl}>Open it in the Temporal UI</ExternalLink>
          </>
        )}
      </p>
    </div>
  );
}

function pick(record: Record<string, unknown> | null, key: string): unknown {
  return record ? record[key] : undefined;
}

function SelfTestResult({ test }: { test: SelfTest }) {
  const result = test.result;
  const workerId = pick(result, 'workerId');
  const hostname = pick(result, 'hostname');
  const gpu = pick(result, 'gpu') as { available?: unknown; detail?: unknown } | undefined;
  const storageShared = pick(result, 'storageShared');
  const resumedFromStep = pick(result, 'resumedFromStep');
  const seconds =
    test.startedAt && test.finishedAt
      ? (new Date(test.finishedAt).getTime() - new Date(test.startedAt).getTime()) / 1000
      : undefined;

  return (
    <>
      <dl className="result-list">
        {typeof workerId === 'string' && (
          <>
            <dt>GPU worker</dt>
            <dd>
              <code>{workerId}</code>
              {typeof hostname === 'string' && <> on {hostname}</>}
            </dd>
          </>
        )}
        {typeof gpu?.detail === 'string' && (
          <>
            <dt>GPU</dt>
            <dd>{gpu.detail}</dd>
          </>
        )}
        {typeof storageShared === 'boolean' && (
          <>
            <dt>Shared storage</dt>
            <dd>{storageShared ? 'Works: the control plane read what the GPU worker wrote' : 'Not shared'}</dd>
          </>
        )}
        {typeof resumedFromStep === 'number' && resumedFromStep > 0 && (
          <>
            <dt>Fail-over</dt>
            <dd>Resumed from step {resumedFromStep} on another worker</dd>
          </>
        )}
        {test.gpuWorkers.length > 0 && (
          <>
            <dt>Workers that took part</dt>
            <dd>{test.gpuWorkers.join(', ')}</dd>
          </>
        )}
        {seconds !== undefined && (
          <>
            <dt>Time</dt>
            <dd>{seconds.toFixed(1)} s</dd>
          </>
        )}
      </dl>
      {result && (
        <details className="raw-result">
          <summary>Full result</summary>
          <pre>{JSON.stringify(result, null, 2)}</pre>
        </details>
      )}
    </>
  );
}
