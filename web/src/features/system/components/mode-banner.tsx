import { useHealth } from '../api/get-health';

/** In fast-test mode nothing real is trained or generated; say so on every page so nobody is surprised. */
export function ModeBanner() {
  const { data } = useHealth();
  if (data?.mode !== 'fast-test') return null;
  return (
    <p className="banner banner--info">
      <strong>Engines are simulated:</strong> this instance runs in fast-test mode, so training and image generation
      use stand-ins that finish quickly and produce placeholder results, not real pictures of the person.
    </p>
  );
}
