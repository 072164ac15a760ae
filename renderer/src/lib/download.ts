/**
 * Saving pictures from the page: palette images to PNG through a canvas, and any bytes as a
 * download (an <a download> link clicked, then its object URL released).
 */
import type { Rgb } from './gif.ts';
import { indicesToRgba, type IndexImage } from './pixelSamples.ts';
import { translate } from './i18n/translate.ts';

/** Offers `blob` to the person as a file called `name`. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser time to start reading the blob before it is released.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A palette image as a PNG file. */
export function pngBlob(image: IndexImage, palette: readonly Rgb[]): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error(translate('jobs.noCanvas')));
  ctx.putImageData(new ImageData(indicesToRgba(image.indices, palette), image.width, image.height), 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error(translate('jobs.pngFailed')))), 'image/png'));
}

export async function downloadPng(image: IndexImage, palette: readonly Rgb[], name: string): Promise<void> {
  downloadBlob(await pngBlob(image, palette), name.endsWith('.png') ? name : `${name}.png`);
}

export function downloadGif(bytes: Uint8Array<ArrayBuffer>, name: string): void {
  downloadBlob(new Blob([bytes], { type: 'image/gif' }), name.endsWith('.gif') ? name : `${name}.gif`);
}
