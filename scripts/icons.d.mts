export interface IconShape {
  kind: 'rect' | 'circle' | 'polygon';
  color: [number, number, number];
  alpha: number;
  [key: string]: unknown;
}
export interface Icon {
  viewBox: [number, number, number, number];
  shapes: IconShape[];
}
export declare const PNG_SIZES: number[];
export declare const LINUX_SIZES: number[];
export declare const ICO_SIZES: number[];
export declare const ICNS_ENTRIES: [string, number][];
export declare function parseIcon(svg: string): Icon;
export declare function rasterise(icon: Icon, size: number): Buffer;
export declare function encodePng(rgba: Buffer, size: number): Buffer;
export declare function encodeIco(images: { size: number; png: Buffer }[]): Buffer;
export declare function encodeIcns(entries: { type: string; png: Buffer }[]): Buffer;
export declare function buildIcons(svg?: string): [string, Buffer][];
