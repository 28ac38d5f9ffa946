import { withTriggerWord } from '../../../../../lib/contracts/generations';

/** Says whether the prompt names the person, and what will be sent when it does not. */
export function TriggerWordNote({ id, prompt, triggerWord }: { id: string; prompt: string; triggerWord: string | undefined }) {
  if (!triggerWord) {
    return (
      <p id={id} className="field-hint">
        Without a trained model, the picture shows whoever the prompt describes. Pick a trained model above to get your character.
      </p>
    );
  }
  const trimmed = prompt.trim();
  if (!trimmed) {
    return (
      <p id={id} className="field-hint">
        Write <code>{triggerWord}</code> where the person should be, for example “<code>{triggerWord}</code> reading in a
        café”. If you leave it out, it is added at the start.
      </p>
    );
  }
  const sent = withTriggerWord(trimmed, triggerWord);
  if (sent === trimmed) {
    return (
      <p id={id} className="field-hint trigger-ok">
        <span aria-hidden="true">✓ </span>Your prompt names the person with <code>{triggerWord}</code>.
      </p>
    );
  }
  return (
    <p id={id} className="field-hint trigger-added">
      <code>{triggerWord}</code> is not in your prompt, so it will be added at the start: “{sent.length > 160 ? `${sent.slice(0, 160)}…` : sent}”.
    </p>
  );
}
