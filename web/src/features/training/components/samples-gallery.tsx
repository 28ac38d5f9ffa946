import type { TrainingRun } from '../../../../../lib/contracts/training';
import { Badge } from '../../../components/ui/badge';
import { describeSampleLikeness } from '../utils/likeness';

/**
 * Sample images as training makes them, grouped by step, newest step first, so the likeness can be watched: each
 * with its likeness to the training photos (or "No face"), and flagged when it copies a training photo.
 */
export function SamplesGallery({ samples, triggerWord }: { samples: TrainingRun['samples']; triggerWord: string | undefined }) {
  const steps = [...new Set(samples.map((s) => s.step))].sort((a, b) => b - a);
  const promptText = (prompt: string | null) => (prompt ? (triggerWord ? prompt.replaceAll('[trigger]', triggerWord) : prompt) : 'Sample');
  return (
    <section className="card" aria-labelledby="samples-title">
      <h2 id="samples-title" className="card-title">
        Sample images
      </h2>
      {samples.length === 0 ? (
        <p className="muted">Samples appear here as training makes them, every few hundred steps.</p>
      ) : (
        steps.map((step) => (
          <div key={step} className="sample-step">
            <h3 className="section-title">Step {step}</h3>
            <ul className="sample-grid">
              {samples
                .filter((s) => s.step === step)
                .sort((a, b) => a.promptIndex - b.promptIndex)
                .map((sample) => (
                  <li key={sample.id} className="sample">
                    <a href={sample.url} target="_blank" rel="noopener noreferrer">
                      <img
                        src={sample.url}
                        alt={`Sample at step ${step}: ${promptText(sample.prompt)}`}
                        width={192}
                        height={192}
                        loading="lazy"
                      />
                    </a>
                    <p className="sample-caption">{promptText(sample.prompt)}</p>
                    <p className="sample-likeness">{describeSampleLikeness(sample.likeness)}</p>
                    {sample.likeness?.copyOf && (
                      <Badge tone="warning">
                        Copies a training photo<span className="visually-hidden"> (overfitting)</span>
                      </Badge>
                    )}
                  </li>
                ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}
