export declare const SEAWEEDFS_VERSION: string;
export declare function seaweedfsCacheDir(): string;
export declare function weedVersion(binary: string): string | undefined;
export declare function obtainSeaweedfs(options?: { say?: (msg: string) => void }): Promise<string>;
