import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { generationSchema, type Generation } from '../../../../../lib/contracts/generations';
import { useEventStream } from '../../../lib/events/use-event-stream';
import { generationQueryOptions, isGenerationActive, useGeneration } from '../api/get-generation';
import { generationKeys } from '../api/generation-keys';

/** The announcement for a new status; progress ticks are not announced. */
export function describeGeneration(g: Generation): string {
  const images = g.parameters.batch === 1 ? 'the image' : `${g.parameters.batch} images`;
  switch (g.status) {
    case 'queued':
      return g.waitingFor ? `Queued, ${g.waitingFor}.` : 'Queued.';
    case 'running':
      return `Making ${images}.`;
    case 'completed':
      return `Done: ${images} ${g.parameters.batch === 1 ? 'is' : 'are'} ready.`;
    case 'failed':
      return `Failed: ${g.error?.message ?? 'no reason was given'}`;
    case 'cancelled':
      return 'Cancelled.';
  }
}

/**
 * One generation kept live: fetched (so a reload shows it), then followed over server-sent events while it is
 * queued or running. Every update lands in the query cache; the gallery is refreshed when it ends.
 */
export function useLiveGeneration(id: string | undefined) {
  const queryClient = useQueryClient();
  const query = useGeneration(id);
  const generation = query.data;
  const [announcement, setAnnouncement] = useState('');
  const lastStatus = useRef<string | undefined>(undefined);

  const onMessage = useCallback(
    (next: Generation) => {
      queryClient.setQueryData(generationQueryOptions(next.id).queryKey, next);
      const key = `${next.status}:${next.waitingFor ?? ''}`;
      if (lastStatus.current !== undefined && lastStatus.current !== key) setAnnouncement(describeGeneration(next));
      lastStatus.current = key;
      if (!isGenerationActive(next)) void queryClient.invalidateQueries({ queryKey: generationKeys.lists() });
    },
    [queryClient],
  );

  const connection = useEventStream({
    path: id && generation && isGenerationActive(generation) ? `/generations/${encodeURIComponent(id)}/events` : null,
    event: 'generation',
    schema: generationSchema,
    onMessage,
    onReconnected: () => void queryClient.invalidateQueries({ queryKey: generationQueryOptions(id ?? '').queryKey }),
  });

  return { query, generation, connection, announcement };
}
