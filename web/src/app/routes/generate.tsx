import { Link, useSearchParams } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';
import { GenerateForm } from '../../features/generation/components/generate-form';
import { GenerationJob } from '../../features/generation/components/generation-job';
import { renderWorkflowLink } from '../../features/system/components/workflow-link';

export function GenerateRoute() {
  const [params, setParams] = useSearchParams();
  const job = params.get('job') ?? undefined;
  const lora = params.get('lora') ?? undefined;
  return (
    <>
      <PageHeader
        title="Generate"
        description={
          <>
            Describe a picture and get it with your character in it. Everything you make is kept in the{' '}
            <Link to={paths.gallery}>gallery</Link>.
          </>
        }
      />
      <div className="generate-layout">
        <GenerateForm
          requestedLoraId={lora}
          onStarted={(generation) => setParams({ ...(lora ? { lora } : {}), job: generation.id }, { replace: false })}
        />
        {job ? (
          <GenerationJob key={job} id={job} renderWorkflowLink={renderWorkflowLink} />
        ) : (
          <section className="card generation-job" aria-labelledby="job-title">
            <h2 id="job-title" className="card-title">
              Your pictures
            </h2>
            <p className="muted">Your pictures appear here while they are made. It takes a few seconds to a minute each.</p>
          </section>
        )}
      </div>
    </>
  );
}

export default GenerateRoute;
