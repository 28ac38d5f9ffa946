import { Button } from '../../../components/ui/button';
import { useLogout, useSession } from '../api/session';

/** Only where a login exists: a loopback-only instance has nobody to log out. */
export function LogoutButton() {
  const session = useSession();
  const logout = useLogout();
  if (!session.data?.authRequired || !session.data.authenticated) return null;
  return (
    <Button variant="quiet" onClick={() => logout.mutate()} disabled={logout.isPending}>
      Log out
    </Button>
  );
}
