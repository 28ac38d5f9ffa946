import type { GpuWorkerHealth, Health } from '../../../../../lib/contracts/health';
import { Badge } from '../../../components/ui/badge';
import { useHealth } from '../api/get-health';
import { GPU_WORKER_STATES, gpuLines, silenceText, sortGpuWorkers, type GpuLines } from '../utils/describe-health';

/** The GPU workers as their own reports show them (a lost one first, in a danger tone), then Temporal's pollers. */
export function WorkersList() {
  const { data } = useHealth();
  return (
    <section className="card" aria-labelledby="workers-title">
      <h2 id="workers-title" className="card-title">
        Workers
      </h2>
      {!data && <p className="muted">Checking…</p>}
      {data && (
        <>
          <GpuWorkers health={data} />
          <TaskQueues workers={data.workers} />
        </>
      )}
    </section>
  );
}

function GpuWorkers({ health }: { health: Health }) {
  const workers = sortGpuWorkers(health.gpuWorkers);
  const lost = workers.filter((w) => w.state === 'lost').length;
  return (
    <>
      <h3 id="gpu-workers-title" className="section-title">
        GPU workers
      </h3>
      {workers.length === 0 ? (
        <p>No GPU worker is running: training and pictures wait until one starts.</p>
      ) : (
        <>
          {lost > 0 && (
            <p className="inline-error gpu-lost-summary">
              <strong>{lost === 1 ? 'A GPU worker is lost' : `${lost} GPU workers are lost`}:</strong>{' '}
              {lost === 1 ? 'it has' : 'they have'} not reported for more than {health.gpuLostAfterSeconds} s (crashed, frozen or cut
              off). {lost === 1 ? 'Its' : 'Their'} jobs move to another GPU worker.
            </p>
          )}
          <ul className="gpu-worker-list" aria-labelledby="gpu-workers-title">
            {workers.map((worker) => (
              <GpuWorkerItem key={worker.workerId} worker={worker} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function GpuWorkerItem({ worker }: { worker: GpuWorkerHealth }) {
  const state = GPU_WORKER_STATES[worker.state];
  const lost = worker.state === 'lost';
  const gpu = gpuLines(worker.gpu);
  return (
    <li className={`gpu-worker gpu-worker--${worker.state}`}>
      <p className="gpu-worker-head">
        <Badge tone={state.tone}>{state.text}</Badge> <code className="gpu-worker-id">{worker.workerId}</code>{' '}
        <span className="muted">on {worker.hostname}</span>
        {gpu?.refusing && (
          <>
            {' '}
            <Badge tone="danger">No usable GPU</Badge>
          </>
        )}
      </p>
      <p className={lost ? 'gpu-worker-silence' : 'muted gpu-worker-silence'}>
        {lost ? `Lost: ${silenceText(worker)}.` : `${capitalise(silenceText(worker))}.`}
      </p>
      {worker.jobs.length > 0 ? (
        <div className="gpu-worker-jobs">
          <p className="gpu-worker-jobs-title">{lost ? 'It held:' : 'Working on:'}</p>
          <ul>
            {worker.jobs.map((job) => (
              <li key={job.id}>{capitalise(job.label)}</li>
            ))}
          </ul>
        </div>
      ) : (
        !lost && <p className="muted">No job: ready for work.</p>
      )}
      {gpu && <GpuOfWorker gpu={gpu} />}
      {worker.engines.length > 0 && (
        <p className="muted gpu-worker-engines">
          Engines: {worker.engines.map((engine) => `${engine.label} (${engine.state})`).join(', ')} · <code>{worker.identity}</code>
        </p>
      )}
    </li>
  );
}

/** The worker's GPU as its engines' Pythons saw it at start; why its jobs fail when they cannot use it. */
function GpuOfWorker({ gpu }: { gpu: GpuLines }) {
  return (
    <>
      <p className="gpu-worker-gpu">
        GPU: {gpu.summary}
        {gpu.versions && <span className="muted"> · {gpu.versions}</span>}
      </p>
      {gpu.problem && (
        <p className={gpu.refusing ? 'inline-error gpu-worker-gpu-problem' : 'muted gpu-worker-gpu-problem'}>
          {gpu.refusing && <strong>Its jobs fail at once: </strong>}
          {gpu.problem}
        </p>
      )}
    </>
  );
}

/** Temporal's view: which processes poll which task queue. */
function TaskQueues({ workers }: { workers: Health['workers'] }) {
  return (
    <>
      <h3 className="section-title">Temporal task queues</h3>
      {workers.length === 0 ? (
        <p className="muted">No worker polls Isengard’s task queues: jobs wait until one starts.</p>
      ) : (
        <div className="table-scroll">
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">Task queue</th>
                <th scope="col">Worker</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((worker) => (
                <tr key={`${worker.queue} ${worker.identity}`}>
                  <td>
                    <code>{worker.queue}</code>
                  </td>
                  <td>
                    <code>{worker.identity}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
