import type { Capability } from '../../../../../lib/contracts/capabilities';
import { Badge } from '../../../components/ui/badge';
import { useCapabilities } from '../api/get-capabilities';

const stateLabel: Record<Capability['state'], { text: string; tone: 'success' | 'info' | 'neutral' | 'warning' }> = {
  supported: { text: 'Supported', tone: 'success' },
  scaffold: { text: 'In development', tone: 'info' },
  not_implemented: { text: 'Not supported yet', tone: 'warning' },
  out_of_scope: { text: 'Out of scope', tone: 'neutral' },
};

export function CapabilitiesList() {
  const capabilities = useCapabilities();
  return (
    <section className="card" aria-labelledby="capabilities-title">
      <h2 id="capabilities-title" className="card-title">
        What this version can do
      </h2>
      {capabilities.isPending && <p className="muted">Loading…</p>}
      {capabilities.isError && <p className="form-error">{capabilities.error.message}</p>}
      {capabilities.data && (
        <ul className="check-list">
          {capabilities.data.items.map((capability) => (
            <li key={capability.id} className="check-item">
              <Badge tone={stateLabel[capability.state].tone}>{stateLabel[capability.state].text}</Badge>
              <div>
                <p className="check-label">
                  {capability.label}
                  {capability.engine && <span className="muted"> · {capability.engineVersion ?? capability.engine}</span>}
                </p>
                <p className="check-message">{capability.description}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
