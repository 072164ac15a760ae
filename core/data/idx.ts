import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip as gunzipCallback, gunzipSync, gzipSync } from 'node:zlib';
import { DatasetError } from '../errors.ts';
import { MAX_IMAGES } from './imageSet.ts';
import { greyToBinary } from './pngImage.ts';

// In libuv's thread pool: the event loop (other clients) is not blocked while a file unpacks.
const gunzip = promisify(gunzipCallback);
/** Pixels decoded between two turns of the event loop. */
const SLICE_PIXELS = 4 * 1024 * 1024;

/** The IDX magic of an unsigned-byte, 3-dimensional array (images × rows × columns). */
export const IDX_IMAGES_MAGIC = 0x00000803;
const MAX_IDX_BYTES = 512 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Whether the bytes look like an IDX file (gzipped, or starting with the 0 0 type dims magic). */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return isGzip(bytes) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[3]! >= 1 && bytes[3]! <= 4);
}

export interface IdxImages {
  /** count × side² bits. */
  images: Uint8Array;
  count: number;
  /** The file's own image size (images of another size are resized to `side`). */
  rows: number;
  cols: number;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export interface IdxHeader {
  count: number;
  rows: number;
  cols: number;
}

/**
 * The header of an IDX image file (gzipped or not), read from its first bytes only: a gzipped
 * file has just its start unpacked. Checks the magic, the sizes and the image count against
 * `maxImages`, so an oversize file is refused before its body is unpacked or decoded.
 */
export function readIdxHeader(name: string, input: Uint8Array, maxImages = MAX_IMAGES): IdxHeader {
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      // 1 KiB of deflate data unpacks to at most about 1 MiB: enough for the 16-byte header.
      bytes = gunzipSync(input.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 2 * 2 ** 20 });
      // Nothing came out of the start (a broken gzip header): unpacking it whole says why.
      if (bytes.length < 16) bytes = gunzipSync(input, { maxOutputLength: 2 * 2 ** 20 });
    } catch (err) {
      throw new DatasetError(`the IDX file "${name}" is not valid gzip data (${(err as Error).message}): it may be truncated or corrupt`);
    }
  }
  if (bytes.length < 4) throw new DatasetError(`the IDX file "${name}" is too short to hold an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== IDX_IMAGES_MAGIC) {
    if (magic === 0x00000801) {
      throw new DatasetError(`the IDX file "${name}" holds labels (magic 0x00000801), not images: choose the images file (…-images-idx3-ubyte)`);
    }
    throw new DatasetError(`the file "${name}" is not an IDX image file: its header starts with ${hex(magic)}, expected ${hex(IDX_IMAGES_MAGIC)} (unsigned bytes, 3 dimensions)`);
  }
  if (bytes.length < 16) throw new DatasetError(`the IDX file "${name}" is truncated: its header needs 16 bytes, the file has ${bytes.length}`);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (count < 1) throw new DatasetError(`the IDX file "${name}" holds no images (its header says 0)`);
  if (count > maxImages) throw new DatasetError(`the IDX file "${name}" holds ${count} images; at most ${maxImages} are supported`);
  if (rows < 1 || cols < 1 || rows > 4096 || cols > 4096) throw new DatasetError(`the IDX file "${name}" has images of ${rows}×${cols}: sizes from 1×1 to 4096×4096 are supported`);
  if (16 + count * rows * cols > MAX_IDX_BYTES) {
    throw new DatasetError(`the IDX file "${name}" holds ${count} images of ${rows}×${cols}, more than 512 MiB of pixels; that is more than this app handles`);
  }
  return { count, rows, cols };
}

/**
 * Reads an IDX image file (MNIST's format: magic 0x00000803, then the image count, rows and
 * columns as big-endian 32-bit numbers, then one byte a pixel), gzipped or not. The header is
 * checked first (readIdxHeader); the body is unpacked off the event loop, never past the size
 * the header gives, and decoded in slices. Pixels of 128 or more become 1. Images that are not
 * side × side are resized (area averaging). Any header or length problem raises DatasetError
 * naming `name`.
 */
export async function decodeIdxImages(name: string, input: Uint8Array, side = 28, maxImages = MAX_IMAGES): Promise<IdxImages> {
  const { count, rows, cols } = readIdxHeader(name, input, maxImages);
  const expected = 16 + count * rows * cols;
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(await gunzip(bytes, { maxOutputLength: expected + 1 }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new DatasetError(`the IDX file "${name}" holds more bytes than its header (${count} images of ${rows}×${cols}) says: the header does not match the data`);
      throw new DatasetError(`the IDX file "${name}" is not valid gzip data (${(err as Error).message}): it may be truncated or corrupt`);
    }
  }
  if (bytes.length !== expected) {
    throw new DatasetError(
      `the IDX file "${name}" has ${bytes.length} bytes, but its header (${count} images of ${rows}×${cols}) needs ${expected}: ` +
        (bytes.length < expected ? 'the file is truncated' : 'the header does not match the data'),
    );
  }
  const pixels = bytes.subarray(16);
  const images = new Uint8Array(count * side * side);
  const perSlice = Math.max(1, Math.floor(SLICE_PIXELS / (rows * cols)));
  const grey = new Float32Array(rows * cols);
  for (let n = 0; n < count; n++) {
    if (n > 0 && n % perSlice === 0) await nextTurn();
    if (rows === side && cols === side) {
      const from = n * side * side;
      for (let i = from; i < from + side * side; i++) images[i] = pixels[i]! >= 128 ? 1 : 0;
    } else {
      for (let i = 0; i < grey.length; i++) grey[i] = pixels[n * rows * cols + i]! / 255;
      images.set(greyToBinary({ grey, width: cols, height: rows }, { invert: false, side }), n * side * side);
    }
  }
  return { images, count, rows, cols };
}

/** Writes images (count × rows·cols values: bits, shown as 0/255, unless `bits` is false) as an IDX file. */
export function encodeIdxImages(images: Uint8Array, count: number, rows = 28, cols = 28, options: { bits?: boolean; gzip?: boolean } = {}): Uint8Array {
  const n = count * rows * cols;
  const out = new Uint8Array(16 + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_IMAGES_MAGIC);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  const bits = options.bits ?? true;
  for (let i = 0; i < n; i++) out[16 + i] = bits ? (images[i] ? 255 : 0) : images[i]!;
  if (!options.gzip) return out;
  return new Uint8Array(gzipSync(out));
}
