import type { Row } from './types';

function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Math.round(value * 10) / 10);
}

/** Whether a row meets its target; undefined when it has none (or nothing was measured). */
export function meets(row: Row): boolean | undefined {
  if (!row.target || row.value === null || Number.isNaN(row.value)) return undefined;
  return row.target.op === '<=' ? row.value <= row.target.value : row.value >= row.target.value;
}

/** The rows as one plain-text table, a column per fact, widths fitted to the contents. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['section', 'figure', 'Isengard', 'anchor (same run)', 'target', 'met'];
  const lines = rows.map((r) => {
    const met = meets(r);
    const anchor = r.anchor ? `${r.anchor.label}: ${formatNumber(r.anchor.value)} ${r.anchor.unit ?? r.unit}`.trim() : '';
    return [
      r.section,
      r.figure,
      `${formatNumber(r.value)} ${r.unit}`.trim(),
      anchor,
      r.target ? `${r.target.op === '<=' ? '≤' : '≥'} ${formatNumber(r.target.value)} ${r.unit}` : '',
      met === undefined ? '' : met ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [format(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(format)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.section} / ${r.figure}: ${r.note}`);
  return [...out, ...(notes.length ? ['', 'Notes:', ...notes] : [])].join('\n');
}
