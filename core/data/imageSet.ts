import { DatasetError } from '../errors.ts';
import { createRng, type Rng } from '../rng.ts';

/** Every image set holds binarized IMAGE_SIDE × IMAGE_SIDE images (MNIST's size). */
export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
/** More images than this in one set are refused (each one is 784 bytes; MNIST's training set is 60,000). */
export const MAX_IMAGES = 200_000;

/** Images as loaded: `count` × 784 bytes of 0/1, row-major, white (1) ink on black (0). */
export interface ImageCollection {
  /** A short name for the UI and run.json (set name, folder or file name). */
  name: string;
  images: Uint8Array;
  count: number;
  /** Class labels where the source has them (MNIST digits). */
  labels?: Uint8Array;
  /**
   * The grey values the bits were thresholded from, where the source keeps them (the built-in
   * digits): `count` × 784 bytes, 0 … 255 standing for 0 … 1. Stochastic binarization draws from these.
   */
  grey?: Uint8Array;
}

/** How grey images become bits (core/data/binarization.ts, pure so the renderer may use it). */
export { IMAGE_BINARIZATIONS, type ImageBinarization } from './binarization.ts';
import type { ImageBinarization } from './binarization.ts';

/**
 * Bits drawn from grey values (0 … 255 bytes): pixel i is 1 with probability grey[i] / 255, one
 * uniform of `rng` a pixel in order. Same grey and same rng state, same bits.
 */
export function binarizeStochastic(grey: Uint8Array, rng: Rng): Uint8Array {
  const out = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) out[i] = rng.next() * 255 < grey[i]! ? 1 : 0;
  return out;
}

/** Grey values in [0, 1] → the bytes `ImageCollection.grey` holds (0 … 255, rounded). */
export function greyBytes(grey: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, grey[i]!)) * 255);
  return out;
}

/** A set of binary images split into a training and a validation part (and their grey values, where known). */
export class ImageDataset {
  private constructor(
    readonly name: string,
    readonly train: Uint8Array,
    readonly validation: Uint8Array,
    /** Grey values of the same images in the same order (0 … 255), where the source had them. */
    readonly trainGrey?: Uint8Array,
    readonly validationGrey?: Uint8Array,
  ) {}

  /**
   * Shuffles the images with `seed` (the built-in digits come ordered by class) and keeps the
   * last `valFraction` of them (at least one) for validation. Same images and seed, same split.
   */
  static fromImages(name: string, images: Uint8Array, options: { valFraction: number; seed?: number; grey?: Uint8Array }): ImageDataset {
    if (options.grey && options.grey.length !== images.length) throw new DatasetError(`the image set "${name}" has grey values for ${options.grey.length / IMAGE_PIXELS} images but bits for ${images.length / IMAGE_PIXELS}`);
    if (images.length % IMAGE_PIXELS !== 0) throw new DatasetError(`the image set "${name}" does not hold whole ${IMAGE_SIDE}×${IMAGE_SIDE} images`);
    const count = images.length / IMAGE_PIXELS;
    if (count < 2) {
      throw new DatasetError(`the image set "${name}" has ${count} image${count === 1 ? '' : 's'}: training needs at least 2 (one of them for validation); add more images`);
    }
    const order = Array.from({ length: count }, (_, i) => i);
    const rng = createRng(options.seed ?? 0);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const valCount = Math.min(count - 1, Math.max(1, Math.floor(count * options.valFraction)));
    const pick = (from: Uint8Array, ids: number[]) => {
      const out = new Uint8Array(ids.length * IMAGE_PIXELS);
      ids.forEach((id, n) => out.set(from.subarray(id * IMAGE_PIXELS, (id + 1) * IMAGE_PIXELS), n * IMAGE_PIXELS));
      return out;
    };
    const trainIds = order.slice(0, count - valCount);
    const valIds = order.slice(count - valCount);
    const grey = options.grey;
    return new ImageDataset(name, pick(images, trainIds), pick(images, valIds), grey && pick(grey, trainIds), grey && pick(grey, valIds));
  }

  /**
   * `batch` images of one split drawn with `rng` (with replacement), binarized as asked: the
   * stored bits, or bits drawn afresh from the grey values (same rng state, same batch).
   */
  batch(split: 'train' | 'validation', batch: number, rng: Rng, binarization: ImageBinarization = 'threshold'): Uint8Array {
    const bits = split === 'train' ? this.train : this.validation;
    const grey = split === 'train' ? this.trainGrey : this.validationGrey;
    if (binarization === 'threshold' || !grey) return sampleImageBatch(bits, batch, rng);
    return binarizeStochastic(sampleImageBatch(grey, batch, rng), rng);
  }

  get trainCount(): number {
    return this.train.length / IMAGE_PIXELS;
  }

  get validationCount(): number {
    return this.validation.length / IMAGE_PIXELS;
  }
}

/** `batch` images drawn at random (with replacement) from `images`: batch × 784 bytes. */
export function sampleImageBatch(images: Uint8Array, batch: number, rng: Rng): Uint8Array {
  const count = images.length / IMAGE_PIXELS;
  if (count < 1) throw new DatasetError('there are no images to draw a batch from');
  const out = new Uint8Array(batch * IMAGE_PIXELS);
  for (let b = 0; b < batch; b++) {
    const i = Math.floor(rng.next() * count);
    out.set(images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), b * IMAGE_PIXELS);
  }
  return out;
}

export interface ImageGrid {
  /** Row-major values in [0, 1] (what the images held; `gapValue` between them). */
  pixels: Float32Array;
  width: number;
  height: number;
}

/**
 * Tiles square images (N × side² values: bits or probabilities) in rows of `cols`, with
 * `gap` pixels of `gapValue` between them (default 2 pixels of mid grey).
 */
export function imageGrid(images: ArrayLike<number>, cols: number, options: { side?: number; gap?: number; gapValue?: number } = {}): ImageGrid {
  const side = options.side ?? IMAGE_SIDE;
  const gap = options.gap ?? 2;
  const n = Math.floor(images.length / (side * side));
  if (n < 1) throw new RangeError('imageGrid needs at least one image');
  const c = Math.max(1, Math.min(Math.floor(cols), n));
  const rows = Math.ceil(n / c);
  const width = c * side + (c - 1) * gap;
  const height = rows * side + (rows - 1) * gap;
  const pixels = new Float32Array(width * height).fill(options.gapValue ?? 0.5);
  for (let i = 0; i < n; i++) {
    const x0 = (i % c) * (side + gap);
    const y0 = Math.floor(i / c) * (side + gap);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) pixels[(y0 + y) * width + x0 + x] = images[i * side * side + y * side + x]!;
    }
  }
  // Cells of a last, partial row stay at the gap value.
  return { pixels, width, height };
}
