import { useId, type ReactNode } from 'react';
import { parseBoolean, usePersistentState } from '../../lib/persistent-state';

interface DisclosureProps {
  /** Remembers open/closed between visits, per form. */
  storageKey: string;
  title: string;
  /** Shown next to the title, open or closed: e.g. badges for values that differ from the defaults. */
  summary?: ReactNode;
  defaultOpen?: boolean;
  children: ReactNode;
}

/** A section that opens and closes with a real button (aria-expanded, aria-controls); closed by default. */
export function Disclosure({ storageKey, title, summary, defaultOpen = false, children }: DisclosureProps) {
  const id = useId();
  const [open, setOpen] = usePersistentState(`disclosure:${storageKey}`, defaultOpen, parseBoolean);
  return (
    <section className="disclosure" aria-labelledby={`${id}-button`}>
      <h3 className="disclosure-heading">
        <button
          type="button"
          id={`${id}-button`}
          className="disclosure-button"
          aria-expanded={open}
          aria-controls={`${id}-panel`}
          onClick={() => setOpen((o) => !o)}
        >
          <span className="disclosure-chevron" aria-hidden="true" />
          {title}
        </button>
      </h3>
      {summary}
      <div id={`${id}-panel`} className="disclosure-panel" hidden={!open}>
        {children}
      </div>
    </section>
  );
}
