import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

const MARGIN = 8;

/**
 * The text of a hint, under its trigger. Always in the document (the trigger's aria-describedby points at it);
 * shown when open, and nudged sideways so it never leaves the window.
 */
export function HintPopover({ id, open, children }: { id: string; open: boolean; children: ReactNode }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [shift, setShift] = useState(0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!open || !el) return;
    const place = () => {
      const before = el.style.marginLeft;
      el.style.marginLeft = '0px';
      const rect = el.getBoundingClientRect();
      const width = document.documentElement.clientWidth;
      el.style.marginLeft = before;
      setShift(rect.left < MARGIN ? MARGIN - rect.left : rect.right > width - MARGIN ? width - MARGIN - rect.right : 0);
    };
    place();
    window.addEventListener('resize', place);
    return () => window.removeEventListener('resize', place);
  }, [open]);

  return (
    <span
      ref={ref}
      id={id}
      role="tooltip"
      className={open ? 'hint-popover hint-popover--open' : 'hint-popover'}
      style={open && shift ? { marginLeft: shift } : undefined}
    >
      {children}
    </span>
  );
}
