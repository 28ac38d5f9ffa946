import { Link, useParams } from 'react-router';
import { paths } from '../../config/paths';
import { PageHeader } from '../../components/layout/page-header';
import { Button } from '../../components/ui/button';
import { ApiError } from '../../lib/api-client';
import { useCharacter } from '../../lib/queries/characters';
import { CharacterDetails } from '../../features/characters/components/character-details';
import { PhotosSection } from '../../features/characters/components/photos-section';
import { LoraList } from '../../features/loras/components/lora-list';
import { RunHistory } from '../../features/training/components/run-history';

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
  const c = character.data;
  return (
    <>
      {back}
      <PageHeader
        title={c.name}
        description={
          <>
            Trigger word <code>{c.triggerWord}</code>. Add photos below, then{' '}
            <Link to={`${paths.train}?character=${encodeURIComponent(c.id)}`}>train a model of {c.name}</Link>.
            {' '}<Link to={`${paths.compare}?character=${encodeURIComponent(c.id)}`}>Compare checkpoints and strengths</Link>.
          </>
        }
      />
      <div className="character-layout">
        <div className="character-layout-main">
          <PhotosSection key={c.id} character={c} />
        </div>
        <div className="character-layout-side">
          <LoraList characterId={c.id} characterName={c.name} />
          <RunHistory characterId={c.id} />
          <CharacterDetails key={c.id} character={c} />
        </div>
      </div>
    </>
  );
}

export default CharacterRoute;
