export declare const HADOLINT_VERSION: string;
export declare const LOCAL_HADOLINT: string;
export declare function hadolintVersion(binary: string): string | undefined;
export declare function obtainHadolint(options?: { say?: (msg: string) => void }): Promise<string>;
