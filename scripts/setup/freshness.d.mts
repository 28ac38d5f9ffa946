/** Modification time of a file in milliseconds, 0 when it does not exist. */
export function mtime(file: string): number;
/** Whether `built` exists and is at least as new as every one of `sources` (relative to the project or absolute). */
export function builtIsFresh(built: string, sources: string[]): boolean;
