import { useId } from 'react';
import { PHOTO_LIMITS } from '../../../../../lib/contracts/photos';
import { plural } from '../../../lib/format';
import { readinessSentence, type Readiness } from '../../../lib/queries/photos';

/** How close the photos are to a good training set: a meter, one sentence, and what holds it back. */
export function ReadinessMeter({ readiness }: { readiness: Readiness }) {
  const id = useId();
  const { min, max } = PHOTO_LIMITS.recommended;
  const details = [
    readiness.checking > 0 ? `${plural(readiness.checking, 'photo')} still being checked` : null,
    readiness.flagged > 0
      ? `${plural(readiness.flagged, 'photo')} flagged (see the marks below): left out of training unless you keep ${readiness.flagged === 1 ? 'it' : 'them'} anyway`
      : null,
    readiness.excluded > 0 ? `${plural(readiness.excluded, 'photo')} left out by you` : null,
  ].filter(Boolean);
  return (
    <div className={`readiness readiness--${readiness.level}`}>
      <p id={`${id}-label`} className="readiness-sentence">
        {readinessSentence(readiness)}
      </p>
      <meter
        className="readiness-meter"
        aria-labelledby={`${id}-label`}
        min={0}
        max={max}
        low={min}
        high={max}
        optimum={(min + max) / 2}
        value={Math.min(readiness.good, max)}
      />
      <p className="muted readiness-details">
        Aim for {min}–{max} good photos.{details.length > 0 ? ` ${details.join('; ')}.` : ''}
      </p>
    </div>
  );
}
