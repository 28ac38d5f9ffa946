import type { ReactNode } from 'react';
import type { Generation } from '../../../../../lib/contracts/generations';
import type { Checkpoint } from '../../../../../lib/contracts/training';
import type { GridCellRef, GridPlan } from '../plan/grid-plan';
import { LikenessNote } from './likeness-note';

export interface StartedGrid {
  plan: GridPlan;
  /** Generation id per request key, once the API accepted it. */
  ids: Record<string, string>;
  /** Why a request was refused, per request key. */
  refused: Record<string, string>;
}

interface CompareGridProps {
  grid: StartedGrid;
  generations: Map<string, Generation>;
  /** The column heading's action for a checkpoint column ("Keep as a version"). */
  renderKeep: (checkpoint: Checkpoint) => ReactNode;
}

/** What one cell shows: its picture with its likeness once made, else how far its generation is. */
function Cell({ cell, generation, refused, label }: { cell: GridCellRef; generation: Generation | undefined; refused?: string; label: string }) {
  if (refused) return <p className="form-error">Not started: {refused}</p>;
  if (!generation) return <p className="muted">Starting…</p>;
  switch (generation.status) {
    case 'queued':
      return <p className="muted">{generation.waitingFor ? `Queued, ${generation.waitingFor}` : 'Queued'}</p>;
    case 'running':
      return <p className="muted">Making… {Math.round(generation.progress * 100)}%</p>;
    case 'failed':
      return <p className="form-error">Failed: {generation.error?.message ?? 'no reason was given'}</p>;
    case 'cancelled':
      return <p className="muted">Cancelled</p>;
    case 'completed': {
      const output = generation.outputs.find((o) => o.index === cell.outputIndex);
      if (!output) return <p className="muted">No picture</p>;
      return (
        <figure className="compare-picture">
          <img src={output.url} alt={label} width={192} height={Math.round((192 * output.height) / output.width)} loading="lazy" />
          <figcaption>
            <LikenessNote likeness={output.likeness} />
          </figcaption>
        </figure>
      );
    }
  }
}

/** The grid: columns × rows of pictures, filled in as each generation's pictures arrive. */
export function CompareGrid({ grid, generations, renderKeep }: CompareGridProps) {
  const { plan } = grid;
  const cellOf = new Map<string, { request: string; cell: GridCellRef }>();
  for (const request of plan.requests) for (const cell of request.cells) cellOf.set(`${cell.row}|${cell.column}`, { request: request.key, cell });
  return (
    // A grid wider than the screen scrolls inside its card, not the page.
    <div className="compare-grid-scroll" style={{ overflowX: 'auto' }}>
      <table className="compare-grid">
        <caption className="visually-hidden">{plan.mode === 'checkpoints' ? 'Checkpoints (columns) by prompts (rows)' : 'Strengths (rows) by seeds (columns)'}</caption>
        <thead>
          <tr>
            <td />
            {plan.columns.map((column) => (
              <th key={column.key} scope="col">
                <span className="compare-column-name" style={{ display: 'block' }}>
                  {column.label}
                </span>
                {column.checkpoint && renderKeep(column.checkpoint)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {plan.rows.map((row) => (
            <tr key={row.key}>
              <th scope="row" className="compare-row-name">
                {row.label}
              </th>
              {plan.columns.map((column) => {
                const found = cellOf.get(`${row.key}|${column.key}`);
                if (!found) return <td key={column.key} />;
                const id = grid.ids[found.request];
                return (
                  <td key={column.key} data-testid={`cell ${row.key} ${column.key}`}>
                    <Cell
                      cell={found.cell}
                      generation={id ? generations.get(id) : undefined}
                      refused={grid.refused[found.request]}
                      label={`${row.label}, ${column.label}`}
                    />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
