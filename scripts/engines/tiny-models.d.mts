export const BUILDERS_DIR: string;
export class TinyModelError extends Error {}
export interface TinyModelBuilder {
  name: string;
  script: string;
  engine: string;
}
export function listBuilders(dir?: string): TinyModelBuilder[];
export function ensureTinyModel(
  builder: TinyModelBuilder,
  options: { root: string; python: string; envKey: string; cwd: string; env: NodeJS.ProcessEnv },
): { dir: string; built: boolean };
