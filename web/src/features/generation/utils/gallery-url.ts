import type { GalleryFilters } from '../api/generation-keys';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (value: string | null) => (value && DAY.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined);

/** The gallery's filters and order from the address, so that a view can be shared and survives a reload. */
export function filtersOf(params: URLSearchParams): GalleryFilters {
  const from = day(params.get('from'));
  const to = day(params.get('to'));
  return {
    characterId: params.get('character') ?? undefined,
    loraId: params.get('lora') ?? undefined,
    ...(params.get('sort') === 'likeness' ? { sort: 'likeness' as const } : {}),
    ...(params.get('recognisable') === '1' ? { recognisable: true } : {}),
    ...(params.get('favourite') === '1' ? { favourite: true } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

export function paramsOf(filters: GalleryFilters): Record<string, string> {
  return {
    ...(filters.characterId ? { character: filters.characterId } : {}),
    ...(filters.loraId ? { lora: filters.loraId } : {}),
    ...(filters.sort ? { sort: filters.sort } : {}),
    ...(filters.recognisable ? { recognisable: '1' } : {}),
    ...(filters.favourite ? { favourite: '1' } : {}),
    ...(filters.from ? { from: filters.from } : {}),
    ...(filters.to ? { to: filters.to } : {}),
  };
}

/** Any filter that leaves pictures out (the order does not). */
export function isFiltered(filters: GalleryFilters): boolean {
  return Boolean(filters.characterId || filters.loraId || filters.recognisable || filters.favourite || filters.from || filters.to);
}

/** The days chosen, as moments for the API: from the first day's start to the end of the last, in local time. */
export function dayRange(filters: Pick<GalleryFilters, 'from' | 'to'>): { from?: string; to?: string } {
  const startOf = (value: string, plusDays = 0) => {
    const [y, m, d] = value.split('-').map(Number);
    return new Date(y!, m! - 1, d! + plusDays).toISOString();
  };
  return {
    ...(filters.from ? { from: startOf(filters.from) } : {}),
    ...(filters.to ? { to: startOf(filters.to, 1) } : {}),
  };
}
