/** Task queue names (design §3). Pure constants: safe to import from workflow code. */
export const CONTROL_QUEUE = 'isengard-control';
export const GPU_QUEUE = 'isengard-gpu';

/** The queue only one GPU worker polls, so every GPU activity of a job lands on the host that holds its state. */
export function gpuWorkerQueue(workerId: string): string {
  return `${GPU_QUEUE}.${workerId}`;
}
