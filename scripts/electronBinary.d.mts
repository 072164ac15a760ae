export declare const MISSING_BINARY: string;
export declare function findElectronBinary(root: string): { path: string; reason: null } | { path: null; reason: string };
