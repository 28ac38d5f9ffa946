import { useId } from 'react';
import { LIKENESS_CALIBRATION, type CheckpointLikeness, type RunLikeness } from '../../../../../lib/contracts/likeness';
import { formatLikeness, recognisableOf } from '../utils/likeness';

interface LikenessPanelProps {
  likeness: RunLikeness | null;
  totalSteps: number;
}

/** The lowest mean the chart shows: different people score about 0.84, the same person about 0.97. */
const MEAN_FLOOR = 0.75;
const WIDTH = 480;
const HEIGHT = 200;
const PAD = { left: 40, right: 40, top: 10, bottom: 24 };

/**
 * How much the samples look like the person, per sample step: the mean likeness (line, left axis) and the share of
 * samples recognisable (bars, right axis), beside the loss. At the
 * end of the run, the checkpoint recommended and why. A table says the same in text.
 */
export function LikenessPanel({ likeness, totalSteps }: LikenessPanelProps) {
  const id = useId();
  const curve = likeness?.curve ?? [];
  const recommended = likeness?.recommended ?? null;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Likeness
      </h2>
      {recommended && (
        <div className="success-box likeness-recommended">
          <p className="run-outcome-title">
            Recommended checkpoint: {recommended.step === recommended.finalStep ? `the final one (step ${recommended.step})` : `step ${recommended.step}`}
          </p>
          <p>
            <strong>
              {recommended.recognisable} of {recommended.samples} pictures recognisable
            </strong>
            {recommended.mean !== null && <> · mean likeness {formatLikeness(recommended.mean)}</>}
          </p>
          <p>{recommended.reason}</p>
          {recommended.step !== recommended.finalStep && (
            <p className="muted">It is the run’s model; the final checkpoint (step {recommended.finalStep}) stays available below.</p>
          )}
        </div>
      )}
      {curve.length === 0 ? (
        <p className="muted">
          Each sample is compared with the training photos as it arrives: the likeness per step appears here with the first
          samples.
        </p>
      ) : (
        <>
          <LikenessChart curve={curve} totalSteps={totalSteps} recommendedStep={recommended?.step} />
          <table className="likeness-table">
            <caption className="visually-hidden">Likeness per sample step</caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Mean likeness</th>
                <th scope="col">Recognisable</th>
                <th scope="col">Copies</th>
              </tr>
            </thead>
            <tbody>
              {curve.map((point) => (
                <tr key={point.step} aria-current={point.step === recommended?.step ? 'true' : undefined}>
                  <th scope="row">
                    {point.step}
                    {point.step === recommended?.step && <span className="badge badge--success">Recommended</span>}
                  </th>
                  <td>{point.mean === null ? 'no face' : formatLikeness(point.mean)}</td>
                  <td>{recognisableOf(point)}</td>
                  <td>{point.copies > 0 ? <span className="badge badge--warning">
                        {point.copies} {point.copies === 1 ? 'copies' : 'copy'} a training photo
                      </span> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted likeness-note">
            A picture is recognisable when it is as alike to the training photos as two photos of one person are: such
            photos score about 0.97 to each other, photos of different people about 0.84.
          </p>
        </>
      )}
    </section>
  );
}

function LikenessChart({ curve, totalSteps, recommendedStep }: { curve: CheckpointLikeness[]; totalSteps: number; recommendedStep: number | undefined }) {
  const maxStep = Math.max(totalSteps, ...curve.map((p) => p.step), 1);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (step: number) => PAD.left + (step / maxStep) * plotWidth;
  const yMean = (mean: number) => PAD.top + (1 - (Math.max(MEAN_FLOOR, Math.min(1, mean)) - MEAN_FLOOR) / (1 - MEAN_FLOOR)) * plotHeight;
  const yShare = (share: number) => PAD.top + (1 - share) * plotHeight;
  const barWidth = Math.max(4, Math.min(24, (plotWidth / Math.max(curve.length, 1)) * 0.5));
  const line = curve.flatMap((p) => (p.mean === null ? [] : [`${x(p.step).toFixed(1)},${yMean(p.mean).toFixed(1)}`])).join(' ');
  const last = curve.at(-1)!;
  const summary = `Likeness over ${curve.length} sample steps; at step ${last.step}: ${last.mean === null ? 'no face' : `mean ${formatLikeness(last.mean)}`}, ${recognisableOf(last)}.`;
  return (
    <figure className="likeness-figure">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="likeness-chart" role="img" aria-label={summary}>
        {curve.map((p) => {
          const share = p.samples > 0 ? p.recognisable / p.samples : 0;
          return (
            <rect
              key={p.step}
              x={x(p.step) - barWidth / 2}
              y={yShare(share)}
              width={barWidth}
              height={PAD.top + plotHeight - yShare(share)}
              fill={p.copies > 0 ? 'var(--warning, #e0a84a)' : 'var(--success, #4caf7d)'}
              opacity={p.step === recommendedStep ? 0.9 : 0.45}
            />
          );
        })}
        <line
          className="likeness-threshold"
          x1={PAD.left}
          x2={WIDTH - PAD.right}
          y1={yMean(LIKENESS_CALIBRATION.recognisableAt)}
          y2={yMean(LIKENESS_CALIBRATION.recognisableAt)}
          stroke="currentColor"
          strokeDasharray="4 4"
          opacity={0.5}
        />
        <text x={PAD.left + 4} y={yMean(LIKENESS_CALIBRATION.recognisableAt) - 4} fontSize={10} fill="currentColor" opacity={0.7}>
          recognisable from {LIKENESS_CALIBRATION.recognisableAt}
        </text>
        {line && <polyline points={line} fill="none" stroke="var(--link, #8ab4ff)" strokeWidth={2} />}
        {curve.map((p) => p.mean !== null && <circle key={p.step} cx={x(p.step)} cy={yMean(p.mean)} r={p.step === recommendedStep ? 5 : 3} fill="var(--link, #8ab4ff)" />)}
        <text x={4} y={PAD.top + 8} fontSize={10} fill="currentColor">1.00</text>
        <text x={4} y={PAD.top + plotHeight} fontSize={10} fill="currentColor">{formatLikeness(MEAN_FLOOR)}</text>
        <text x={WIDTH - PAD.right + 4} y={PAD.top + 8} fontSize={10} fill="currentColor">100%</text>
        <text x={WIDTH - PAD.right + 4} y={PAD.top + plotHeight} fontSize={10} fill="currentColor">0%</text>
        <text x={PAD.left} y={HEIGHT - 6} fontSize={10} fill="currentColor">0</text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} fontSize={10} fill="currentColor" textAnchor="end">step {maxStep}</text>
      </svg>
      <figcaption className="loss-caption">
        <span className="loss-latest">{summary}</span>{' '}
        <span className="muted">Line: mean likeness (left), dashed where a picture counts as recognisable; bars: share of samples recognisable (right), amber where samples copy a training photo.</span>
      </figcaption>
    </figure>
  );
}
