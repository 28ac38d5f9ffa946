import { Link } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';

export function NotFoundRoute() {
  return (
    <>
      <PageHeader title="Page not found" />
      <section className="card">
        <p>
          There is no page at this address. Go to your <Link to={paths.characters}>characters</Link>.
        </p>
      </section>
    </>
  );
}

export default NotFoundRoute;
