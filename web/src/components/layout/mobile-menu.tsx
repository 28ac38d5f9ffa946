import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { currentNavLabel } from './nav';
import './mobile-menu.css';

/**
 * On a narrow screen the header is one row (logo, the current page, a Menu button) and the nav opens below it from
 * the button, a disclosure: Escape, a click elsewhere or a page chosen closes it, and Escape returns focus to the
 * button. On a wide screen the button and the page name are hidden and the nav sits in the header (mobile-menu.css).
 */
export function MobileMenu({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  // Open on the page it was opened on: choosing a page in it closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !button.current?.contains(target)) setOpenOn(null);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpenOn(null);
      button.current?.focus();
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  const current = currentNavLabel(pathname);
  return (
    <div className="header-menu-area" data-open={open}>
      {current && (
        <span className="header-current" aria-hidden="true">
          {current}
        </span>
      )}
      <button
        ref={button}
        type="button"
        className="menu-button"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpenOn(open ? null : pathname)}
      >
        <span className="menu-button-icon" aria-hidden="true" />
        Menu
      </button>
      <div ref={panel} id={id} className="header-menu">
        {children}
      </div>
    </div>
  );
}
