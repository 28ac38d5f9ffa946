export type ServerEntryName = 'control-plane' | 'control-worker' | 'gpu-worker' | 'migrate';
export const SERVER_ENTRIES: Record<ServerEntryName, string>;
export const SERVER_BUILD_DIR: string;
export function serverBuildIsFresh(): boolean;
/** Builds every entry into `outDir` (default: dist/server). */
export function buildServer(outDir?: string): Promise<void>;
