import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { photoSchema, type Photo } from '../../../../../lib/contracts/photos';
import { apiRequest } from '../../../lib/api-client';
import { toFormErrors } from '../../../lib/field-errors';
import { photosQueryOptions } from '../../../lib/queries/photos';

export type CaptionSaveState = 'idle' | 'saving' | 'saved' | 'error';

function sendCaption(photoId: string, caption: string, keepalive: boolean) {
  return apiRequest(`/photos/${encodeURIComponent(photoId)}`, photoSchema, { method: 'PATCH', body: { caption }, keepalive });
}

/**
 * A caption box that saves itself: when it loses focus (`save`), when the page is left for another route (the box
 * unmounts) and when the page is reloaded or closed (`pagehide`, with a request that outlives the page). An edit is
 * never dropped without a word: a refused save keeps the text in the box and says why.
 */
export function useCaptionAutosave(photo: Photo) {
  const queryClient = useQueryClient();
  const [draft, setDraftState] = useState(photo.caption);
  const [stored, setStored] = useState(photo.caption);
  const [state, setState] = useState<CaptionSaveState>('idle');
  const [error, setError] = useState<string>();
  // The latest values for the handlers that run as the page goes (no render happens then).
  const latest = useRef({ draft: photo.caption, saved: photo.caption });

  // The stored caption changed elsewhere (a caption job, a bulk edit): show it, unless this box holds an edit.
  if (stored !== photo.caption) {
    setStored(photo.caption);
    if (draft === stored) setDraftState(photo.caption);
  }
  useLayoutEffect(() => {
    latest.current = { draft, saved: photo.caption };
  }, [draft, photo.caption]);

  const setDraft = useCallback((text: string) => {
    latest.current.draft = text;
    setDraftState(text);
    setState('idle');
  }, []);

  const remember = useCallback(
    (saved: Photo) => {
      queryClient.setQueryData(photosQueryOptions(saved.characterId).queryKey, (list) =>
        list ? { items: list.items.map((p) => (p.id === saved.id ? saved : p)) } : list,
      );
    },
    [queryClient],
  );

  const save = useCallback(async () => {
    const text = latest.current.draft;
    if (text === latest.current.saved) return;
    setState('saving');
    setError(undefined);
    try {
      const saved = await sendCaption(photo.id, text, false);
      latest.current.saved = saved.caption;
      remember(saved);
      setState(latest.current.draft === saved.caption ? 'saved' : 'idle');
    } catch (err) {
      const errors = toFormErrors(err, ['caption'] as const);
      setError(errors.fields.caption ?? errors.form);
      setState('error');
    }
  }, [photo.id, remember]);

  const revert = useCallback(() => {
    setDraft(latest.current.saved);
    setError(undefined);
  }, [setDraft]);

  // Leaving the page (reload, closing the tab, another site) or this route: the unsaved edit goes out anyway.
  useEffect(() => {
    const flush = () => {
      const { draft: text, saved } = latest.current;
      if (text === saved) return;
      latest.current.saved = text;
      sendCaption(photo.id, text, true).then(remember, () => undefined);
    };
    window.addEventListener('pagehide', flush);
    window.addEventListener('beforeunload', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      window.removeEventListener('beforeunload', flush);
      flush();
    };
  }, [photo.id, remember]);

  return { draft, setDraft, save, revert, state, error, dirty: draft !== photo.caption };
}
