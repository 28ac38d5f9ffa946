import type { BaseModel } from '../../../../../lib/contracts/models';

/**
 * For a model whose files Isengard does not pin by hash (the captioner): where its files come from and what they are
 * checked against. Base models are pinned in the catalogue and need no such note.
 */
export function HubVerificationNote({ model }: { model: BaseModel }) {
  if (model.hubCommit) {
    return (
      <p className="muted">
        Every file is verified against the hub&apos;s own hashes at commit <code title={model.hubCommit}>{model.hubCommit.slice(0, 12)}</code>, and
        all of them come from that one commit.
      </p>
    );
  }
  if (model.kind === 'base') return null;
  return (
    <p className="muted">
      The first download takes the newest commit of the model&apos;s main branch and fetches every file from that one commit,
      each verified against the hub&apos;s own hashes at that commit.
    </p>
  );
}
