/** A prompt short enough for alt text and captions. */
export function shortPrompt(prompt: string, max = 90): string {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1).trimEnd()}…` : clean;
}
