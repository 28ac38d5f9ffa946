import { useEffect, useId, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import type { LoraEntry as Entry } from '../../../../../lib/contracts/loras';
import { PageHeader } from '../../../components/layout/page-header';
import { paths } from '../../../config/paths';
import { CharacterFilter } from '../../../components/ui/character-filter';
import { loraFiltersFromSearch, loraFiltersToSearch, useLoraEntries } from '../api/loras-api';
import { DeleteLoraDialog } from './delete-lora-dialog';
import { LoraEntry } from './lora-entry';
import './loras.css';

interface Group {
  characterId: string;
  characterName: string;
  versions: Entry[];
}

/** Each character's LoRAs, newest version first; characters by name. */
function byCharacter(items: Entry[]): Group[] {
  const groups = new Map<string, Group>();
  for (const lora of items) {
    const group = groups.get(lora.characterId) ?? { characterId: lora.characterId, characterName: lora.characterName, versions: [] };
    group.versions.push(lora);
    groups.set(lora.characterId, group);
  }
  for (const group of groups.values()) group.versions.sort((a, b) => b.version - a.version);
  return [...groups.values()].sort((a, b) => a.characterName.localeCompare(b.characterName));
}

/** Every trained model (LoRA) of every character: rename, notes, favourite, download, delete. */
export function LorasPage() {
  const id = useId();
  const [search, setSearch] = useSearchParams();
  const { hash } = useLocation();
  const filters = loraFiltersFromSearch(search);
  const loras = useLoraEntries(filters);
  const [deleting, setDeleting] = useState<Entry>();
  const [announcement, setAnnouncement] = useState('');
  const groups = byCharacter(loras.data?.items ?? []);

  // A link to one LoRA (from the Training page) scrolls to it once the list is there.
  useEffect(() => {
    if (loras.isSuccess && hash) document.getElementById(decodeURIComponent(hash.slice(1)))?.scrollIntoView({ block: 'center' });
  }, [loras.isSuccess, hash]);

  return (
    <>
      <PageHeader
        title="LoRAs"
        description="Every trained model of every character. Each training makes one; the most trained version of a character and any stopped early are marked. The base models they add to are on the Models page."
      />
      <div className="stack stack--wide">
        <div className="filter-bar" role="group" aria-label="Filter the LoRAs">
          <CharacterFilter value={filters.characterId} onChange={(characterId) => setSearch(loraFiltersToSearch({ ...filters, characterId }), { replace: true })} />
          <div className="field filter-bar-check">
            <label className="check-option">
              <input
                type="checkbox"
                checked={filters.favourite ?? false}
                onChange={(e) => setSearch(loraFiltersToSearch({ ...filters, favourite: e.target.checked || undefined }), { replace: true })}
              />
              Favourites only
            </label>
          </div>
        </div>
        <p role="status" aria-live="polite" className="visually-hidden">
          {announcement}
        </p>
        {loras.isPending && <p className="muted">Loading…</p>}
        {loras.isError && (
          <p role="alert" className="form-error">
            The trained models could not be loaded. {loras.error.message}
          </p>
        )}
        {loras.isSuccess && groups.length === 0 && (
          <section className="card empty-state">
            {filters.characterId || filters.favourite ? (
              <p>No trained model matches these filters.</p>
            ) : (
              <>
                <p className="empty-state-title">No trained models yet</p>
                <p>
                  <Link to={paths.train}>Train a character</Link>: the model it makes shows here.
                </p>
              </>
            )}
          </section>
        )}
        {groups.map((group) => (
          <section key={group.characterId} className="card" aria-labelledby={`${id}-${group.characterId}`}>
            <h2 id={`${id}-${group.characterId}`} className="card-title">
              <Link to={paths.character(group.characterId)}>{group.characterName}</Link>
            </h2>
            <ul className="lora-list">
              {group.versions.map((lora) => (
                <LoraEntry key={lora.id} lora={lora} onDeleteRequested={setDeleting} />
              ))}
            </ul>
          </section>
        ))}
      </div>
      {deleting && (
        <DeleteLoraDialog
          lora={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            setAnnouncement(`${deleting.name} deleted.`);
            setDeleting(undefined);
          }}
        />
      )}
    </>
  );
}

export default LorasPage;
