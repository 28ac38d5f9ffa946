import { PageHeader } from '../../components/layout/page-header';
import { CharacterList } from '../../features/characters/components/character-list';
import { CreateCharacterForm } from '../../features/characters/components/create-character-form';

export function CharactersRoute() {
  return (
    <>
      <PageHeader
        title="Characters"
        description="A character is a person you want to create images of. Start here: create one, then add photos and train."
      />
      <div className="two-column">
        <div className="two-column-side">
          <CreateCharacterForm />
        </div>
        <div className="two-column-main">
          <CharacterList />
        </div>
      </div>
    </>
  );
}

export default CharactersRoute;
