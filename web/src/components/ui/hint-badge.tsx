import type { ReactNode } from 'react';
import { useTooltip } from '../../hooks/use-tooltip';
import { HintPopover } from './hint-popover';

type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

interface HintBadgeProps {
  tone?: Tone;
  /** The verdict, always visible: "Blurry". */
  children: ReactNode;
  /** The measured value behind it, shown on hover or focus and read with the badge: "Sharpness 12 (needs 40)". */
  hint: ReactNode;
}

/** A badge whose details appear on hover or keyboard focus (it is focusable for that reason). */
export function HintBadge({ tone = 'neutral', children, hint }: HintBadgeProps) {
  const tip = useTooltip();
  return (
    <span className="hint" {...tip.wrapperProps}>
      <button type="button" className={`badge badge--${tone} badge--button`} {...tip.triggerProps}>
        {children}
      </button>
      <HintPopover id={tip.tooltipId} open={tip.open}>
        {hint}
      </HintPopover>
    </span>
  );
}
