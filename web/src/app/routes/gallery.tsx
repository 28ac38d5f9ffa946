import { Link } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';

export function GalleryRoute() {
  return (
    <>
      <PageHeader title="Gallery" />
      <section className="card">
        <p>
          The gallery arrives with image generation: every picture you generate will be kept here, with the settings
          that made it. Meanwhile, <Link to={paths.characters}>create your characters</Link>.
        </p>
      </section>
    </>
  );
}
