import { NavLink } from 'react-router';
import { paths } from '../../config/paths';
import { Badge } from '../ui/badge';

const items = [
  { to: paths.characters, label: 'Characters' },
  { to: paths.train, label: 'Train' },
  { to: paths.generate, label: 'Generate' },
  { to: paths.gallery, label: 'Gallery' },
  { to: paths.video, label: 'Video', badge: 'In development' },
] as const;

export function Nav() {
  return (
    <nav aria-label="Main" className="nav">
      <ul className="nav-list">
        {items.map((item) => (
          <li key={item.to}>
            <NavLink to={item.to} className="nav-link">
              {item.label}
              {'badge' in item && <Badge tone="info">{item.badge}</Badge>}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
