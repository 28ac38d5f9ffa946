import 'uplot/dist/uPlot.min.css';
import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
import { formatLoss } from '../../../lib/format';

interface LossChartProps {
  /** [step, loss] pairs, oldest first. */
  points: readonly (readonly [number, number])[];
  totalSteps: number;
}

/** An exponential moving average, for the optional smoothed line. */
function smooth(values: number[], weight = 0.85): number[] {
  let last = values[0] ?? 0;
  return values.map((v) => (last = last * weight + v * (1 - weight)));
}

function canDraw(): boolean {
  try {
    return Boolean(document.createElement('canvas').getContext('2d'));
  } catch {
    return false;
  }
}

/**
 * The loss curve, drawn with uPlot on a canvas. The data is replaced, not the chart, when points arrive, and redraws
 * are batched to animation frames. A canvas says nothing to a screen reader: the figure has a name and a text summary.
 */
export default function LossChart({ points, totalSteps }: LossChartProps) {
  const id = useId();
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const [smoothed, setSmoothed] = useState(false);
  const [drawable] = useState(canDraw);
  const frame = useRef(0);

  const steps = points.map((p) => p[0]);
  const losses = points.map((p) => p[1]);
  const latest = points.at(-1);
  const lowest = losses.length > 0 ? Math.min(...losses) : undefined;

  // Create once; resize with the container.
  useEffect(() => {
    const el = container.current;
    if (!el || !drawable) return;
    const style = getComputedStyle(document.documentElement);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const axis = { stroke: color('--muted', '#aab3c2'), grid: { stroke: 'rgba(170,179,194,0.15)' }, ticks: { stroke: 'rgba(170,179,194,0.3)' } };
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 240,
        scales: { x: { time: false, range: (_u, min, max) => [0, Math.max(max, min + 1)] } },
        axes: [
          { ...axis, label: 'Step' },
          { ...axis, label: 'Loss', size: 60 },
        ],
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          {},
          { label: 'Loss', stroke: color('--link', '#8ab4ff'), width: 2, points: { show: false } },
        ],
      },
      [[], []],
      el,
    );
    chart.current = plot;
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 240 }));
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      cancelAnimationFrame(frame.current);
      plot.destroy();
      chart.current = null;
    };
  }, [drawable]);

  // New points: one redraw per animation frame at most.
  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      chart.current?.setData([steps, smoothed ? smooth(losses) : losses]);
    });
    // steps/losses are derived from points
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points, smoothed]);

  const summary = latest
    ? `Loss ${formatLoss(latest[1])} at step ${latest[0]} of ${totalSteps}${lowest !== undefined ? `; lowest so far ${formatLoss(lowest)}` : ''}.`
    : 'No loss values yet: the curve starts with the first training steps.';

  return (
    <figure className="loss-figure" aria-labelledby={`${id}-caption`}>
      {drawable && (
        <div
          ref={container}
          className="loss-chart"
          {...(points.length > 0 ? { role: 'img', 'aria-label': `Loss chart over ${points.length} points. ${summary}` } : { 'aria-hidden': true })}
        />
      )}
      <figcaption id={`${id}-caption`} className="loss-caption">
        <span className="loss-latest">{summary}</span>{' '}
        <span className="muted">Lower is better; the curve is noisy, what matters is that it trends down and then flattens.</span>
      </figcaption>
      {points.length > 1 && (
        <label className="check-option">
          <input type="checkbox" checked={smoothed} onChange={(e) => setSmoothed(e.target.checked)} />
          Smooth the curve
        </label>
      )}
    </figure>
  );
}
