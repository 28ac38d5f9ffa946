import { Link, useSearchParams } from 'react-router';
import { PageHeader } from '../../../components/layout/page-header';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/paths';
import { runFiltersFromSearch, runFiltersToSearch, useRuns } from '../api/get-runs';
import { RunsFilterBar } from './runs-filters';
import { RunsList } from './runs-list';

/** Every training run of every character, newest first, with filters kept in the address. */
export function RunsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = runFiltersFromSearch(search);
  const runs = useRuns(filters);
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(filters.status || filters.characterId || filters.preset);
  return (
    <>
      <PageHeader
        title="Training runs"
        description="Every training of every character, newest first: how it went, how long it took and the trained model (LoRA) it made. Open a run to see its progress and checkpoints."
      />
      <div className="stack stack--wide">
        <RunsFilterBar filters={filters} onChange={(next) => setSearch(runFiltersToSearch(next), { replace: true })} />
        {runs.isPending && <p className="muted">Loading…</p>}
        {runs.isError && (
          <p role="alert" className="form-error">
            The training runs could not be loaded. {runs.error.message}
          </p>
        )}
        {runs.isSuccess && items.length === 0 && (
          <section className="card empty-state">
            {filtered ? (
              <p>No run matches these filters.</p>
            ) : (
              <>
                <p className="empty-state-title">No training yet</p>
                <p>
                  <Link to={paths.train}>Train a character</Link> once it has photos; its runs show here.
                </p>
              </>
            )}
          </section>
        )}
        {items.length > 0 && <RunsList runs={items} />}
        {runs.hasNextPage && (
          <Button className="runs-more" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
            {runs.isFetchingNextPage ? 'Loading…' : 'Show older runs'}
          </Button>
        )}
      </div>
    </>
  );
}

export default RunsPage;
