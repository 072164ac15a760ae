export type BuilderConfig = Record<string, any>;
export declare function loadBuilderConfig(projectDir?: string): Promise<BuilderConfig>;
export declare function validateBuilderConfig(config: BuilderConfig): Promise<string | null>;
export declare function checkTargets(config: BuilderConfig): string[];
export declare function checkPaths(config: BuilderConfig, projectDir?: string): string[];
export declare function checkUnpacked(config: BuilderConfig, projectDir?: string): { problems: string[]; found: string[] };
export declare const STARTER_BUDGET_BYTES: number;
export declare function checkStarters(config: BuilderConfig, projectDir?: string): { problems: string[]; archives: string[]; total: number };
