import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/layout/page-header';
import { Gallery } from '../../features/generation/components/gallery';
import { GalleryFilterBar } from '../../features/generation/components/gallery-filters';
import { renderWorkflowLink } from '../../features/system/components/workflow-link';

export function GalleryRoute() {
  const [params, setParams] = useSearchParams();
  const filters = { characterId: params.get('character') ?? undefined, loraId: params.get('lora') ?? undefined };
  return (
    <>
      <PageHeader title="Gallery" description="Every picture you made, newest first, with the settings that made it." />
      <GalleryFilterBar
        filters={filters}
        onChange={(next) =>
          setParams(
            { ...(next.characterId ? { character: next.characterId } : {}), ...(next.loraId ? { lora: next.loraId } : {}) },
            { replace: true },
          )
        }
      />
      <Gallery filters={filters} renderWorkflowLink={renderWorkflowLink} />
    </>
  );
}

export default GalleryRoute;
