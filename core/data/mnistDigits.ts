import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DatasetError } from '../errors.ts';
import { greyBytes, IMAGE_PIXELS, type ImageCollection } from './imageSet.ts';

const requireHere = createRequire(import.meta.url);

let cached: ImageCollection | null = null;

/**
 * The `mnist` package's digits (MIT; 10,000 images, in class order 0…9), binarized at one half
 * (`grey` keeps the grey values, for stochastic binarization): 28×28, white ink on black. Read
 * once, then cached.
 */
export function loadMnistDigits(): ImageCollection {
  if (cached) return cached;
  const parts: Uint8Array[] = [];
  const greyParts: Uint8Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(requireHere.resolve(`mnist/src/digits/${digit}.json`), 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      throw new DatasetError(`the built-in MNIST digits cannot be read (mnist/src/digits/${digit}.json): ${(err as Error).message}`);
    }
    if (!Array.isArray(data) || data.length % IMAGE_PIXELS !== 0) {
      throw new DatasetError(`the built-in MNIST digits are damaged: mnist/src/digits/${digit}.json does not hold whole 28×28 images`);
    }
    const bits = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = (data[i] as number) >= 0.5 ? 1 : 0;
    parts.push(bits);
    greyParts.push(greyBytes(data as number[]));
    for (let n = 0; n < data.length / IMAGE_PIXELS; n++) labels.push(digit);
  }
  const join = (chunks: Uint8Array[]) => {
    const out = new Uint8Array(labels.length * IMAGE_PIXELS);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  };
  cached = { name: 'mnist', images: join(parts), count: labels.length, labels: Uint8Array.from(labels), grey: join(greyParts) };
  return cached;
}
