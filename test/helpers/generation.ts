import type { Generation } from '../../lib/contracts/generations';
import { request } from './http';
import { eventually, type TestStack } from './stack';

export const generationDone = (g: Generation) => ['completed', 'failed', 'cancelled'].includes(g.status);

export async function generate(stack: TestStack, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Generation> {
  const res = await request<Generation>(stack, '/api/generations', { method: 'POST', body, headers });
  if (res.status !== 202) throw new Error(`Generation not accepted: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function waitForGeneration(stack: TestStack, id: string, until: (g: Generation) => boolean = generationDone, timeoutMs = 60_000): Promise<Generation> {
  let last: Generation | undefined;
  return eventually(
    async () => {
      last = (await request<Generation>(stack, `/api/generations/${id}`)).body;
      return until(last) ? last : undefined;
    },
    timeoutMs,
    () => `the generation (last seen: ${JSON.stringify(last && { status: last.status, progress: last.progress, error: last.error, waitingFor: last.waitingFor })})`,
  );
}
