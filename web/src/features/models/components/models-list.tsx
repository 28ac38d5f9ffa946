import { useModels } from '../api/get-models';
import { ModelCard } from './model-card';

export function ModelsList() {
  const models = useModels();
  if (models.isPending) return <p className="muted">Loading the models…</p>;
  if (models.isError) {
    return (
      <p role="alert" className="form-error">
        The list of models could not be read. {models.error.message}
      </p>
    );
  }
  return (
    <div className="stack">
      {models.data.items.map((model) => (
        <ModelCard key={model.id} model={model} hfTokenSet={models.data.hfTokenSet} />
      ))}
    </div>
  );
}
