import { Link, useParams } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';
import { Button } from '../../components/ui/button';
import { ApiError } from '../../lib/api-client';
import { useCharacter } from '../../features/characters/api/get-character';
import { CharacterDetails } from '../../features/characters/components/character-details';
import { PhotosPlaceholder } from '../../features/characters/components/photos-placeholder';

export function CharacterRoute() {
  const { id = '' } = useParams();
  const character = useCharacter(id);
  const back = (
    <p className="back-link">
      <Link to={paths.characters}>
        <span aria-hidden="true">← </span>All characters
      </Link>
    </p>
  );

  if (character.isPending) {
    return (
      <>
        {back}
        <PageHeader title="Character" />
        <p className="muted">Loading…</p>
      </>
    );
  }
  if (character.isError) {
    const missing = character.error instanceof ApiError && [400, 404].includes(character.error.status);
    return (
      <>
        {back}
        <PageHeader title={missing ? 'Character not found' : 'Character'} />
        <div role="alert" className="inline-error">
          {missing ? (
            <p>This character does not exist. It may have been deleted, or the link is incomplete.</p>
          ) : (
            <>
              <p>This character could not be loaded. {character.error.message}</p>
              <Button onClick={() => void character.refetch()}>Try again</Button>
            </>
          )}
        </div>
      </>
    );
  }
  return (
    <>
      {back}
      <PageHeader
        title={character.data.name}
        description={
          <>
            Trigger word <code>{character.data.triggerWord}</code>
          </>
        }
      />
      <div className="stack">
        <CharacterDetails key={character.data.id} character={character.data} />
        <PhotosPlaceholder />
      </div>
    </>
  );
}
