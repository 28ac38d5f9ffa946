import { useCallback, useEffect, useId, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';

/**
 * A hint that opens on hover and on keyboard focus, stays open while the pointer is over it, and closes with Esc
 * (WCAG 1.4.13). Its text is always in the document and tied to the trigger by aria-describedby, so screen readers
 * read it whether or not it is shown.
 */
export function useTooltip() {
  const id = useId();
  const [open, setOpen] = useState(false);
  const closeTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const show = useCallback(() => {
    clearTimeout(closeTimer.current);
    setOpen(true);
  }, []);
  const hideSoon = useCallback(() => {
    clearTimeout(closeTimer.current);
    closeTimer.current = setTimeout(() => setOpen(false), 120);
  }, []);
  const hide = useCallback(() => {
    clearTimeout(closeTimer.current);
    setOpen(false);
  }, []);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') hide();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open, hide]);

  useEffect(() => () => clearTimeout(closeTimer.current), []);

  return {
    open,
    tooltipId: `${id}-tip`,
    wrapperProps: { onMouseEnter: show, onMouseLeave: hideSoon },
    triggerProps: {
      'aria-describedby': `${id}-tip`,
      onFocus: show,
      onBlur: (event: FocusEvent) => {
        if (!event.currentTarget.parentElement?.contains(event.relatedTarget as Node | null)) hide();
      },
      onKeyDown: (event: KeyboardEvent) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          hide();
        }
      },
      onClick: () => (open ? hide() : show()),
    },
  };
}
