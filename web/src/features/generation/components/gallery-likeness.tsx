import type { Generation } from '../../../../../lib/contracts/generations';
import { Badge } from '../../../components/ui/badge';

type Output = Generation['outputs'][number];

/**
 * How much a picture looks like its character, in words: its likeness score, or why it has none. Nothing for a
 * picture made without a character (no LoRA): there is no one to compare with.
 */
export function likenessLabel(generation: Pick<Generation, 'characterId'>, output: Pick<Output, 'likeness'>): { text: string; tone: 'success' | 'warning' | 'neutral' | 'info' } | null {
  const { likeness } = output;
  if (!likeness) return generation.characterId ? { text: 'Scoring…', tone: 'info' } : null;
  switch (likeness.status) {
    case 'no_face':
      return { text: 'No face to compare', tone: 'neutral' };
    case 'no_reference':
      return { text: 'No photo of the person to compare with', tone: 'neutral' };
    case 'unreadable':
      return { text: 'Could not be scored', tone: 'neutral' };
    case 'scored': {
      const score = (likeness.similarity ?? 0).toFixed(2);
      const copy = likeness.copyOf ? ' · copies a training photo' : '';
      return likeness.recognisable
        ? { text: `Likeness ${score} · recognisable${copy}`, tone: likeness.copyOf ? 'warning' : 'success' }
        : { text: `Not like the person ${score}${copy}`, tone: 'warning' };
    }
  }
}

export function LikenessBadge({ generation, output }: { generation: Pick<Generation, 'characterId'>; output: Pick<Output, 'likeness'> }) {
  const label = likenessLabel(generation, output);
  return label ? <Badge tone={label.tone}>{label.text}</Badge> : null;
}
