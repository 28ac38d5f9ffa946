import { PageHeader } from '../../components/layout/page-header';
import { ModelsList } from '../../features/models/components/models-list';

export function ModelsRoute() {
  return (
    <>
      <PageHeader
        title="Models"
        description="The base models Isengard trains and generates with. Each is downloaded once from Hugging Face onto this server; a download can be stopped and continues where it stopped."
      />
      <ModelsList />
    </>
  );
}

export default ModelsRoute;
