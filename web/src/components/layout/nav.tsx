import { Link, useLocation } from 'react-router';
import { paths } from '../../config/paths';
import { Badge } from '../ui/badge';

const items = [
  { to: paths.characters, label: 'Characters' },
  // A training run's page belongs to Train.
  { to: paths.train, label: 'Train', alsoUnder: '/trainings/' },
  { to: paths.generate, label: 'Generate' },
  { to: paths.gallery, label: 'Gallery' },
  { to: paths.video, label: 'Video', badge: 'In development' },
  { to: paths.models, label: 'Models' },
] as const;

export function Nav() {
  const { pathname } = useLocation();
  return (
    <nav aria-label="Main" className="nav">
      <ul className="nav-list">
        {items.map((item) => {
          const current =
            pathname === item.to || pathname.startsWith(`${item.to}/`) || ('alsoUnder' in item && pathname.startsWith(item.alsoUnder));
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
