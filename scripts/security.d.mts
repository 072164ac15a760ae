export interface Finding {
  check: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  sample: string;
  description: string;
}
export declare const ALLOWED_SEVERITIES: Set<string>;
export declare const EXCEPTIONS: { check: string; file: RegExp; sample: RegExp; reason: string }[];
export declare function scannedFiles(): string[];
export declare function gate(issues: Finding[]): { failures: Finding[]; excused: { issue: Finding; reason: string }[] };
export declare function scan(files: string[]): Promise<{ issues: Finding[]; errors: { file: string; message: string }[]; checks: number }>;
