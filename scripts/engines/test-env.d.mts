export class TestEnvError extends Error {}
/** ${XDG_CACHE_HOME:-~/.cache}/isengard: the engine tests' caches, outside the clone. */
export function cacheRoot(): string;
export function torchInstallArgs(readme: string): string[] | undefined;
export interface InstallPlan {
  requirements: string[];
  torch: string[];
  extra: string[];
  uninstall: string[];
}
export function installPlan(engine: string, checkout: string, options?: { torchFrom?: string }): InstallPlan;
export function envKey(engine: string, commit: string, plan: InstallPlan, version: string): string;
export function ensureTestEnv(
  engine: string,
  checkout: string,
  options?: { commit?: string; torchFrom?: string; say?: (line: string) => void },
): { python: string; venv: string; key: string; built: boolean };
