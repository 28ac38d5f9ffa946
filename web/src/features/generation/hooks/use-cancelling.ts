import { useState } from 'react';
import type { Generation } from '../../../../../lib/contracts/generations';
import { isCancelRequested, isGenerationActive } from '../api/get-generation';
import { useCancelGeneration } from '../api/mutate-generations';

interface Frozen {
  id: string;
  /** The progress when the cancel was asked for here, or when the server's note of it was first seen. */
  progress: number;
  /** Asked for on this page (the request may still be on its way). */
  asked: boolean;
}

/**
 * Cancel for one generation, and whether it is being cancelled: asked here, or noted on the generation by the server
 * (so a reload still says so), until its workflow has ended it. Meanwhile the progress stays where it was instead of
 * moving on.
 */
export function useCancelling(generation: Generation | undefined) {
  const mutation = useCancelGeneration();
  const [frozen, setFrozen] = useState<Frozen | null>(null);
  const mine = generation !== undefined && frozen?.id === generation.id ? frozen : null;
  const cancelling = generation !== undefined && isGenerationActive(generation) && (Boolean(mine?.asked) || isCancelRequested(generation));

  // Adjusted during render, so a newer progress is never painted in between.
  if (cancelling && !mine) setFrozen({ id: generation.id, progress: generation.progress, asked: false });
  if (!cancelling && frozen !== null) setFrozen(null);

  return {
    /** While cancelling: the progress to keep showing (0..1). Null otherwise. */
    cancelling: cancelling ? { progress: mine?.progress ?? generation.progress } : null,
    cancel: () => {
      if (!generation) return;
      setFrozen({ id: generation.id, progress: generation.progress, asked: true });
      mutation.mutate(generation.id, { onError: () => setFrozen(null) });
    },
    error: mutation.isError ? mutation.error : null,
  };
}
