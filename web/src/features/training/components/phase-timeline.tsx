import type { TrainingEvent } from '../../../../../lib/contracts/training';
import { formatTime } from '../../../lib/format';

/** The run's milestones, oldest first: queued, photos prepared, GPU found, checkpoints, samples, the end. */
export function PhaseTimeline({ events }: { events: TrainingEvent[] }) {
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title" className="card-title">
        Timeline
      </h2>
      {events.length === 0 ? (
        <p className="muted">Nothing has happened yet.</p>
      ) : (
        <ol className="timeline">
          {events.map((event, i) => (
            <li key={`${event.at}-${i}`} className={`timeline-item timeline-item--${event.kind}`}>
              <time dateTime={event.at} className="timeline-time">
                {formatTime(event.at)}
              </time>
              <span className="timeline-message">{event.message}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
