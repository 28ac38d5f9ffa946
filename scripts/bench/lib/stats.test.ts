import { describe, expect, it } from 'vitest';
import { percentile, round, summarize } from './stats';
import { meets, renderTable } from './table';
import type { Row } from './types';

describe('benchmark statistics', () => {
  it('interpolates percentiles between closest ranks, whatever the order of the samples', () => {
    const values = [40, 10, 30, 20, 50];
    expect(percentile(values, 0)).toBe(10);
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 95)).toBeCloseTo(48);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes samples and leaves them untouched', () => {
    const values = [3, 1, 2];
    expect(summarize(values)).toEqual({ n: 3, min: 1, p50: 2, p95: 2.9, p99: 2.98, max: 3, mean: 2 });
    expect(values).toEqual([3, 1, 2]);
    expect(summarize([]).n).toBe(0);
    expect(round(2.345, 2)).toBe(2.35);
    expect(round(1234.56)).toBe(1234.6);
  });
});

describe('benchmark table', () => {
  const rows: Row[] = [
    { section: 'generation', figure: 'overhead p50', value: 42.3, unit: 'ms', anchor: { label: 'bare', value: 12.1 }, target: { op: '<=', value: 50 } },
    { section: 'api', figure: 'GET /api/characters', value: 1500, unit: 'req/s', target: { op: '>=', value: 2000 }, note: '2 failed requests' },
    { section: 'photos', figure: 'dataset preparation', value: 0.25, unit: 's' },
    { section: 'training', figure: 'progress latency p95', value: null, unit: 'ms', target: { op: '<=', value: 1000 } },
  ];

  it('says whether a row meets its target, and nothing when there is no target or no value', () => {
    expect(rows.map(meets)).toEqual([true, false, undefined, undefined]);
    expect(meets({ section: 'api', figure: 'x', value: 2000, unit: 'req/s', target: { op: '>=', value: 2000 } })).toBe(true);
    expect(meets({ section: 'api', figure: 'x', value: Number.NaN, unit: 'req/s', target: { op: '>=', value: 2000 } })).toBeUndefined();
  });

  it('renders one aligned table with the anchor, the target and the verdict, then the notes', () => {
    const text = renderTable(rows);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\| section +\| figure +\| Isengard +\| anchor \(same run\) +\| target +\| met \|$/);
    const table = lines.filter((l) => l.startsWith('|'));
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(text).toContain('| 42.3 ms ');
    expect(text).toContain('| bare: 12.1 ms ');
    expect(text).toContain('| ≤ 50 ms ');
    expect(text).toContain('| 1,500 req/s ');
    expect(text).toMatch(/\| ≥ 2,000 req\/s +\| NO +\|/);
    expect(text).toMatch(/\| – ms +\|/);
    expect(text).toContain('api / GET /api/characters: 2 failed requests');
  });
});
