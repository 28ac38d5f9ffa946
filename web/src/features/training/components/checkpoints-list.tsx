import { useCheckpoints } from '../api/get-checkpoints';

/** The checkpoints saved so far, to download (the last one of a finished run is also its LoRA). */
export function CheckpointsList({ runId, lastCheckpointStep }: { runId: string; lastCheckpointStep: number | null }) {
  const checkpoints = useCheckpoints(runId, lastCheckpointStep);
  if (!checkpoints.data || checkpoints.data.items.length === 0) return null;
  return (
    <section className="card" aria-labelledby="checkpoints-title">
      <h2 id="checkpoints-title" className="card-title">
        Checkpoints
      </h2>
      <ul className="chip-list">
        {checkpoints.data.items.map((c) => (
          <li key={c.url}>
            <a href={c.url} download>
              {c.final ? 'Final' : `Step ${c.step}`}
              <span className="visually-hidden"> checkpoint</span> (download)
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
