import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { Button } from './button';

interface DropzoneProps {
  /** The visible button's text: "Choose photos". */
  buttonLabel: string;
  /** For the file input's `accept`. */
  accept: string;
  disabled?: boolean;
  /** Shown inside the zone: what to drop and the limits. */
  children: ReactNode;
  onFiles: (files: File[]) => void;
}

/**
 * Drop files here, or press the button: a real `<input type="file" multiple>` sits behind it, so it works from the
 * keyboard and without drag and drop.
 */
export function Dropzone({ buttonLabel, accept, disabled, children, onFiles }: DropzoneProps) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');

  return (
    <div
      className={['dropzone', over ? 'dropzone--over' : '', disabled ? 'dropzone--disabled' : ''].filter(Boolean).join(' ')}
      onDragEnter={(event) => {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(event) => {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(event) => {
        event.preventDefault();
        depth.current = 0;
        setOver(false);
        if (disabled) return;
        const files = Array.from(event.dataTransfer?.files ?? []);
        if (files.length > 0) onFiles(files);
      }}
    >
      <div className="dropzone-text">{children}</div>
      <Button variant="primary" disabled={disabled} onClick={() => input.current?.click()} aria-describedby={`${id}-drop`}>
        {buttonLabel}
      </Button>
      <span id={`${id}-drop`} className="muted dropzone-or">
        or drag and drop them here
      </span>
      <input
        ref={input}
        type="file"
        multiple
        accept={accept}
        className="visually-hidden"
        // Reached through the visible button; hidden from the accessibility tree so it is not a second button.
        tabIndex={-1}
        aria-hidden="true"
        aria-label={buttonLabel}
        disabled={disabled}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // Reset, so choosing the same files again still counts as a change.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
    </div>
  );
}
