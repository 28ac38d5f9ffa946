import { Link } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';

export function GenerateRoute() {
  return (
    <>
      <PageHeader title="Generate" />
      <section className="card">
        <p>
          Image generation arrives with the generation feature: once a character is trained, you will describe a scene
          here and get pictures of that person. Meanwhile, <Link to={paths.characters}>create your characters</Link>.
        </p>
      </section>
    </>
  );
}
