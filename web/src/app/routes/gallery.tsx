import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/layout/page-header';
import { Gallery } from '../../features/generation/components/gallery';
import { GalleryFilterBar } from '../../features/generation/components/gallery-filters';
import { filtersOf, paramsOf } from '../../features/generation/utils/gallery-url';
import { renderWorkflowLink } from '../../features/system/components/workflow-link';

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
