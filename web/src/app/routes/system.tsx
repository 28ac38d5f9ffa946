import { PageHeader } from '../../components/layout/page-header';
import { useSession } from '../../features/auth/api/session';
import { ApiTokensPanel } from '../../features/system/components/api-tokens-panel';
import { CapabilitiesList } from '../../features/system/components/capabilities-list';
import { HealthChecks } from '../../features/system/components/health-checks';
import { SelfTestPanel } from '../../features/system/components/self-test-panel';
import { WebhooksPanel } from '../../features/system/components/webhooks-panel';
import { WorkersList } from '../../features/system/components/workers-list';

export function SystemRoute() {
  const session = useSession();
  return (
    <>
      <PageHeader
        title="System"
        description="How Isengard's parts are doing, and a one-click test that they work together. Mostly for whoever runs this instance."
      />
      <div className="grid">
        <HealthChecks />
        <SelfTestPanel />
        <WorkersList />
        <WebhooksPanel />
        <ApiTokensPanel loginRequired={session.data?.authRequired} />
        <CapabilitiesList />
      </div>
    </>
  );
}

export default SystemRoute;
