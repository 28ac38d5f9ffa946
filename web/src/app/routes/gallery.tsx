import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/layout/page-header';
import type { GalleryFilters } from '../../features/generation/api/generation-keys';
import { Gallery } from '../../features/generation/components/gallery';
import { GalleryFilterBar } from '../../features/generation/components/gallery-filters';
import { renderWorkflowLink } from '../../features/system/components/workflow-link';

/** The gallery's filters and order, kept in the address so that a view can be shared and survives a reload. */
function filtersOf(params: URLSearchParams): GalleryFilters {
  return {
    characterId: params.get('character') ?? undefined,
    loraId: params.get('lora') ?? undefined,
    ...(params.get('sort') === 'likeness' ? { sort: 'likeness' as const } : {}),
    ...(params.get('recognisable') === '1' ? { recognisable: true } : {}),
  };
}

function paramsOf(filters: GalleryFilters): Record<string, string> {
  return {
    ...(filters.characterId ? { character: filters.characterId } : {}),
    ...(filters.loraId ? { lora: filters.loraId } : {}),
    ...(filters.sort ? { sort: filters.sort } : {}),
    ...(filters.recognisable ? { recognisable: '1' } : {}),
  };
}

export function GalleryRoute() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  return (
    <>
      <PageHeader title="Gallery" description="Every picture you made, with the settings that made it and how much it looks like the person." />
      <GalleryFilterBar filters={filters} onChange={(next) => setParams(paramsOf(next), { replace: true })} />
      <Gallery filters={filters} renderWorkflowLink={renderWorkflowLink} />
    </>
  );
}

export default GalleryRoute;
