export interface ShippedPackage {
  name: string;
  version: string;
  dir: string;
  pkg: Record<string, unknown>;
}
export declare const LICENSES_FILE: string;
export declare function declaredLicense(pkg: Record<string, unknown>): string;
export declare function licenseAccepted(expression: string): boolean;
export declare function productionPackages(): ShippedPackage[];
export declare function renderLicenses(): { text: string; packages: ShippedPackage[] };
