import { useHealth } from '../api/get-health';

/** The Temporal workers seen polling Isengard's task queues. */
export function WorkersList() {
  const { data } = useHealth();
  return (
    <section className="card" aria-labelledby="workers-title">
      <h2 id="workers-title" className="card-title">
        Workers
      </h2>
      {!data && <p className="muted">Checking…</p>}
      {data && data.workers.length === 0 && (
        <p>No worker is running: jobs will wait until one starts.</p>
      )}
      {data && data.workers.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Task queue</th>
                <th scope="col">Worker</th>
              </tr>
            </thead>
            <tbody>
              {data.workers.map((worker) => (
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
    </section>
  );
}
