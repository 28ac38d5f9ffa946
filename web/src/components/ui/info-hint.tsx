import type { ReactNode } from 'react';
import { useTooltip } from '../../hooks/use-tooltip';
import { HintPopover } from './hint-popover';

interface InfoHintProps {
  /** What the hint is about, for the button's name: "About Steps". */
  label: string;
  children: ReactNode;
}

/** A small "?" button next to a label that shows a short explanation on hover, focus or click; Esc closes it. */
export function InfoHint({ label, children }: InfoHintProps) {
  const tip = useTooltip();
  return (
    <span className="hint" {...tip.wrapperProps}>
      <button type="button" className="hint-button" aria-label={`About ${label}`} aria-expanded={tip.open} {...tip.triggerProps}>
        ?
      </button>
      <HintPopover id={tip.tooltipId} open={tip.open}>
        {children}
      </HintPopover>
    </span>
  );
}
