import { Link } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';

export function TrainingRoute() {
  return (
    <>
      <PageHeader title="Train" />
      <section className="card">
        <p>
          Training arrives with the training feature: you will pick a character and train a model of that person here,
          with live progress. Meanwhile, <Link to={paths.characters}>create your characters</Link>.
        </p>
      </section>
    </>
  );
}
