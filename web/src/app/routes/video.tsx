import { PageHeader } from '../../components/layout/page-header';
import { Badge } from '../../components/ui/badge';
import { ComingSoon } from '../../features/video/components/coming-soon';

export function VideoRoute() {
  return (
    <>
      <PageHeader
        title="Video"
        badge={<Badge tone="info">In development</Badge>}
        description="Short clips of your characters. This part of Isengard is being built."
      />
      <ComingSoon />
    </>
  );
}

export default VideoRoute;
