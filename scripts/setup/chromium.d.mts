export declare function findChromium(): string | undefined;
export declare function obtainChromium(options?: { say?: (msg: string) => void }): Promise<string>;
