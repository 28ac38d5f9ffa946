import type { BaseModel } from '../../../../../lib/contracts/models';
import { ExternalLink } from '../../../components/ui/external-link';

/** The licence step of a gated model, in plain words: what the person does, and what the operator does. */
export function GatedLicenceNote({ model, hfTokenSet }: { model: BaseModel; hfTokenSet: boolean }) {
  return (
    <div className="banner banner--info">
      <p className="banner-title">{model.label} needs its licence accepted first</p>
      <p>Its makers let Hugging Face hand it out only to people who accepted their licence ({model.licence}). Once, before the first download:</p>
      <ol className="banner-list">
        <li>Sign in on huggingface.co (an account is free).</li>
        <li>
          Open <ExternalLink href={model.pageUrl}>the {model.label} page on Hugging Face</ExternalLink>, read the licence and accept
          it.
        </li>
        <li>In your Hugging Face settings, under Access Tokens, create a token with “read” access.</li>
        <li>Whoever runs this Isengard sets that token as HF_TOKEN and restarts it. Isengard never shows or logs the token.</li>
      </ol>
      <p>
        {hfTokenSet
          ? 'An access token (HF_TOKEN) is set on this server.'
          : 'No access token (HF_TOKEN) is set on this server yet, so the download cannot start.'}
      </p>
    </div>
  );
}
