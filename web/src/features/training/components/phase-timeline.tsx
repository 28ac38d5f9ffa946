import type { TrainingEvent } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { formatTime } from '../../../lib/format';
import { timelineKindClass, timelineLabel } from '../utils/timeline';

/**
 * The run's milestones, oldest first: queued, photos prepared, GPU found, checkpoints (kept ones marked), samples,
 * models made, and the end with its reason (an operator's in the Temporal UI, say).
 */
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
          {events.map((event, i) => {
            const label = timelineLabel(event.kind);
            return (
              <li key={`${event.at}-${i}`} className={`timeline-item ${timelineKindClass(event.kind)}`}>
                <time dateTime={event.at} className="timeline-time">
                  {formatTime(event.at)}
                </time>
                <span className="timeline-message">
                  {label && (
                    <>
                      <Badge tone={label.tone}>{label.text}</Badge>{' '}
                    </>
                  )}
                  <span>{event.message}</span>
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
