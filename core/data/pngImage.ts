import { PNG } from 'pngjs';
import { DatasetError } from '../errors.ts';

/** The 8 bytes every PNG file starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Larger images are refused (decoding one takes 4 bytes a pixel). */
const MAX_PIXELS = 8192 * 8192;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** A grey image: row-major values in [0, 1] (0 black, 1 white). */
export interface GreyImage {
  grey: Float32Array;
  width: number;
  height: number;
}

/**
 * Decodes a PNG of any colour type and bit depth to grey: luminance (Rec. 601 weights) with
 * transparency composited onto white. A file that is not a readable PNG raises DatasetError
 * naming `name`.
 */
export function decodePngGrey(name: string, bytes: Uint8Array): GreyImage {
  if (!isPng(bytes)) throw new DatasetError(`the image "${name}" is not a PNG file (it does not start with the PNG signature)`);
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DatasetError(`the image "${name}" cannot be read: ${explainPngError(err)}`);
  }
  const { width, height, data } = png;
  if (width < 1 || height < 1 || width * height > MAX_PIXELS) throw new DatasetError(`the image "${name}" is ${width}×${height}: images up to 8192×8192 are supported`);
  if (data.length < width * height * 4) throw new DatasetError(`the image "${name}" cannot be read: its pixel data is truncated`);
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    const r = data[4 * i]!;
    const g = data[4 * i + 1]!;
    const b = data[4 * i + 2]!;
    const a = data[4 * i + 3]! / 255;
    const lum = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    grey[i] = a * lum + (1 - a);
  }
  return { grey, width, height };
}

/** pngjs's error messages, in words a user can act on. */
function explainPngError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/finished stream|unexpected end|end of (file|stream)/i.test(message) && !/unrecognised content/i.test(message)) {
    return 'the file is truncated (it ends before its image data does)';
  }
  if (/crc/i.test(message)) return 'the file is corrupt (a checksum does not match)';
  return `the PNG data is corrupt (${message})`;
}

/** Median of grey values in [0, 1] (from a 256-bin histogram). */
function medianGrey(grey: Float32Array): number {
  const hist = new Uint32Array(256);
  for (let i = 0; i < grey.length; i++) hist[Math.min(255, Math.max(0, Math.round(grey[i]! * 255)))]!++;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc * 2 >= grey.length) return v / 255;
  }
  return 1;
}

/**
 * Weights of an area-averaging resize along one axis: for each of `outSize` cells, the source
 * indices it overlaps and by how much (the fractions of one output cell, summing to 1).
 */
function areaWeights(inSize: number, outSize: number): { index: number; weight: number }[][] {
  const scale = inSize / outSize;
  const cells: { index: number; weight: number }[][] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = (o + 1) * scale;
    const cell: { index: number; weight: number }[] = [];
    for (let i = Math.floor(start); i < Math.min(inSize, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) cell.push({ index: i, weight: overlap / scale });
    }
    cells.push(cell);
  }
  return cells;
}

/** Area-averaging resize of a grey image to `outW` × `outH`. */
export function resizeArea(image: GreyImage, outW: number, outH: number): Float32Array {
  const { grey, width, height } = image;
  const wx = areaWeights(width, outW);
  const wy = areaWeights(height, outH);
  // Horizontal pass: height × outW, then vertical: outH × outW.
  const mid = new Float32Array(height * outW);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < outW; o++) {
      let sum = 0;
      for (const { index, weight } of wx[o]!) sum += grey[y * width + index]! * weight;
      mid[y * outW + o] = sum;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let o = 0; o < outH; o++) {
    for (let x = 0; x < outW; x++) {
      let sum = 0;
      for (const { index, weight } of wy[o]!) sum += mid[index * outW + x]! * weight;
      out[o * outW + x] = sum;
    }
  }
  return out;
}

export interface ToBinaryOptions {
  /**
   * 'auto' (default): invert when the background is light (the median grey is above one half),
   * so the result is light ink on black like MNIST; true / false: always / never.
   */
  invert?: 'auto' | boolean;
  /** Output side (default 28). */
  side?: number;
  threshold?: number;
}

/**
 * Any grey image → side × side bits: inverted if its background is light, centred on a square
 * of background, area-averaged to side × side, thresholded at one half.
 */
export function greyToBinary(image: GreyImage, options: ToBinaryOptions = {}): Uint8Array {
  const side = options.side ?? 28;
  const invert = options.invert === undefined || options.invert === 'auto' ? medianGrey(image.grey) > 0.5 : options.invert;
  const S = Math.max(image.width, image.height);
  const square = new Float32Array(S * S); // background (0) around a non-square image
  const x0 = Math.floor((S - image.width) / 2);
  const y0 = Math.floor((S - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.grey[y * image.width + x]!;
      square[(y0 + y) * S + x0 + x] = invert ? 1 - v : v;
    }
  }
  const small = resizeArea({ grey: square, width: S, height: S }, side, side);
  const threshold = options.threshold ?? 0.5;
  const out = new Uint8Array(side * side);
  // A small tolerance: area sums of exact halves should not fall below the threshold by rounding.
  for (let i = 0; i < out.length; i++) out[i] = small[i]! >= threshold - 1e-6 ? 1 : 0;
  return out;
}

/** A PNG file → 28 × 28 bits (see greyToBinary). Unreadable files raise DatasetError naming `name`. */
export function pngToBinary(name: string, bytes: Uint8Array, options: ToBinaryOptions = {}): Uint8Array {
  return greyToBinary(decodePngGrey(name, bytes), options);
}

/**
 * Encodes values in [0, 1] (bits or probabilities; row-major `width` × `height`) as an 8-bit
 * greyscale PNG, each pixel drawn as a `scale` × `scale` block. 1 is white, as in MNIST.
 */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, scale = 1): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  if (pixels.length < width * height) throw new RangeError(`expected ${width * height} pixel values, got ${pixels.length}`);
  const W = width * scale;
  const H = height * scale;
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < W; x++) {
      const v = pixels[sy * width + Math.floor(x / scale)]!;
      const g = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
      const o = 4 * (y * W + x);
      png.data[o] = png.data[o + 1] = png.data[o + 2] = g;
      png.data[o + 3] = 255;
    }
  }
  const out = PNG.sync.write(png, { colorType: 0 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
