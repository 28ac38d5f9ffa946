import { Link, useLocation } from 'react-router';
import { paths } from '../../config/paths';
import { Badge } from '../ui/badge';

const items = [
  { to: paths.characters, label: 'Characters' },
  { to: paths.train, label: 'Train' },
  // A training run's page (/trainings/:id) belongs to the list of runs.
  { to: paths.trainings, label: 'Runs' },
  { to: paths.generate, label: 'Generate' },
  { to: paths.gallery, label: 'Gallery' },
  { to: paths.video, label: 'Video', badge: 'In development' },
  // The trained models have their own entry: the Models page is about the base models a pod downloads once.
  { to: paths.loras, label: 'LoRAs' },
  { to: paths.models, label: 'Models' },
] as const;

export function Nav() {
  const { pathname } = useLocation();
  return (
    <nav aria-label="Main" className="nav">
      <ul className="nav-list">
        {items.map((item) => {
          const current = pathname === item.to || pathname.startsWith(`${item.to}/`);
          return (
            <li key={item.to}>
              <Link to={item.to} className="nav-link" aria-current={current ? 'page' : undefined}>
                {item.label}
                {'badge' in item && <Badge tone="info">{item.badge}</Badge>}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** The label of the nav entry the page belongs to (the mobile header shows it beside the menu button). */
export function currentNavLabel(pathname: string): string | undefined {
  return items.find((item) => pathname === item.to || pathname.startsWith(`${item.to}/`))?.label;
}
