import type { BaseModel } from '../../../../../lib/contracts/models';
import { Badge } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { ExternalLink } from '../../../components/ui/external-link';
import { ProgressBar } from '../../../components/ui/progress-bar';
import { useCancelModelDownload, useProvisionModel } from '../api/control-model-download';
import { bytesText, errorAdvice, fileRetrying, fileStatus, percent, retryingText, STATE_LABELS, STATE_TONES } from '../utils/describe-model';
import { GatedLicenceNote } from './gated-licence-note';
import { HubVerificationNote } from './hub-verification-note';

/** Only state changes are announced (not every byte). */
function announcement(model: BaseModel): string {
  switch (model.state) {
    case 'downloading':
      return model.retrying ? `${model.label}: ${retryingText(model.retrying)}.` : `${model.label} is downloading.`;
    case 'ready':
      return `${model.label} is downloaded and verified.`;
    case 'failed':
      return `${model.label} could not be downloaded.`;
    case 'missing':
      return '';
  }
}

function downloadLabel(model: BaseModel): string {
  if (model.state === 'failed') return 'Try again';
  return model.bytesDone > 0 ? 'Continue download' : 'Download';
}

export function ModelCard({ model, hfTokenSet }: { model: BaseModel; hfTokenSet: boolean }) {
  const provision = useProvisionModel();
  const cancel = useCancelModelDownload();
  const titleId = `model-${model.id}-title`;
  const downloading = model.state === 'downloading';
  const retrying = downloading ? model.retrying : null;
  const done = percent(model.bytesDone, model.totalBytes);
  const progressText = `${bytesText(model.bytesDone, model.totalBytes)}${done !== undefined ? ` (${done}%)` : ''}`;

  return (
    <section className="card" aria-labelledby={titleId}>
      <div className="card-heading-row">
        <h2 id={titleId} className="card-title">
          {model.label}
        </h2>
        {retrying ? <Badge tone="warning">Trying again</Badge> : <Badge tone={STATE_TONES[model.state]}>{STATE_LABELS[model.state]}</Badge>}
      </div>
      <p className="muted">
        {model.description} Licence: {model.licence} · <ExternalLink href={model.pageUrl}>Model page on Hugging Face</ExternalLink>
      </p>

      {model.gated && model.state !== 'ready' && <GatedLicenceNote model={model} hfTokenSet={hfTokenSet} />}

      <HubVerificationNote model={model} />

      {downloading && (
        <>
          <ProgressBar
            label={`${model.label} download`}
            max={model.totalBytes ?? 0}
            value={model.totalBytes ? model.bytesDone : undefined}
            valueText={progressText}
          />
          <p className="muted">{progressText}</p>
          {retrying && (
            <div className="warning-box model-retrying">
              <p>{retryingText(retrying)}.</p>
              <p>
                The last try failed, so the download tries again by itself a few times over about a minute. If it still
                fails, it stops and says why; what was downloaded is kept.
              </p>
            </div>
          )}
        </>
      )}

      {model.state === 'failed' && model.error && (
        <div role="alert" className="form-error">
          <p>{errorAdvice(model.error.code)}</p>
          <p>{model.error.message}</p>
        </div>
      )}

      <ul className="check-list" aria-label={`Files of ${model.label}`}>
        {model.files.map((file) => (
          <li key={file.id} className="check-item">
            {fileRetrying(file, downloading) ? (
              <Badge tone="warning">Trying again</Badge>
            ) : (
              <Badge tone={STATE_TONES[file.state]}>{STATE_LABELS[file.state]}</Badge>
            )}
            <div>
              <p className="check-label">{file.label}</p>
              <p className="check-message">
                {fileStatus(file, downloading)} · <code>{file.path}</code>
              </p>
            </div>
          </li>
        ))}
      </ul>

      <div className="actions">
        {downloading ? (
          <Button onClick={() => cancel.mutate(model.id)} disabled={cancel.isPending}>
            {cancel.isPending ? 'Stopping…' : 'Stop download'}
          </Button>
        ) : model.state !== 'ready' ? (
          <Button variant="primary" onClick={() => provision.mutate(model.id)} disabled={provision.isPending}>
            {provision.isPending ? 'Starting…' : downloadLabel(model)}
          </Button>
        ) : (
          <span className="muted">Every file is in place and its checksum verified.</span>
        )}
        {downloading && <span className="muted">Stopping keeps what was downloaded; the next download continues from there.</span>}
      </div>
      {(provision.isError || cancel.isError) && (
        <p role="alert" className="form-error">
          {provision.isError ? `The download could not start. ${provision.error.message}` : `The download could not be stopped. ${cancel.error?.message ?? ''}`}
        </p>
      )}
      <p role="status" aria-live="polite" className="visually-hidden">
        {announcement(model)}
      </p>
    </section>
  );
}
