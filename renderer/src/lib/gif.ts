/**
 * A small GIF89a encoder for palette images (the Image lab's fill-in animations): one global
 * colour table of 2–256 colours, LZW-compressed frames, a frame delay each, and the NETSCAPE2.0
 * loop extension. Pure (no DOM): bytes in, bytes out.
 */

export type Rgb = readonly [number, number, number];

export interface GifFrame {
  /** width × height palette indices, row-major. */
  indices: Uint8Array;
  /** How long the frame stays, in hundredths of a second. */
  delayCs: number;
}

export interface GifOptions {
  width: number;
  height: number;
  /** 2–256 colours; padded to a power of two with black. */
  palette: readonly Rgb[];
  frames: readonly GifFrame[];
  /** Times the animation repeats: 0 = forever (the default), null = play once (no loop extension). */
  loop?: number | null;
}

/** Bits a palette of `n` colours needs (at least 1). */
export function paletteBits(n: number): number {
  let bits = 1;
  while (1 << bits < n) bits++;
  return bits;
}

/** GIF's LZW minimum code size for a palette of `n` colours (at least 2, as the format requires). */
export function minCodeSize(n: number): number {
  return Math.max(2, paletteBits(n));
}

/** Collects bytes in a growing buffer. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b & 0xff;
  }

  bytes(bs: ArrayLike<number>): void {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]!);
  }

  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >> 8) & 0xff);
  }

  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

const MAX_CODES = 4096;

/**
 * The LZW code stream GIF stores for `indices` (each below 2^minCode), packed least significant
 * bit first, before it is cut into sub-blocks. Starts with a clear code, ends with the
 * end-of-information code; when the table is full a clear code starts a fresh one.
 */
export function lzwEncode(indices: Uint8Array, minCode: number): Uint8Array<ArrayBuffer> {
  if (minCode < 2 || minCode > 8) throw new RangeError(`LZW minimum code size must be 2–8, got ${minCode}`);
  const out = new ByteWriter();
  const clear = 1 << minCode;
  const eoi = clear + 1;
  const mask = clear - 1;
  let codeSize = minCode + 1;
  let next = eoi + 1;
  let acc = 0;
  let accBits = 0;
  const emit = (code: number) => {
    acc |= code << accBits;
    accBits += codeSize;
    while (accBits >= 8) {
      out.byte(acc & 0xff);
      acc >>>= 8;
      accBits -= 8;
    }
  };
  // (prefix code << 8 | next index) → code
  let table = new Map<number, number>();
  emit(clear);
  if (indices.length === 0) {
    emit(eoi);
    if (accBits > 0) out.byte(acc & 0xff);
    return out.result();
  }
  let prefix = indices[0]! & mask;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i]! & mask;
    const key = (prefix << 8) | k;
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    emit(prefix);
    if (next === MAX_CODES) {
      emit(clear);
      table = new Map();
      next = eoi + 1;
      codeSize = minCode + 1;
    } else {
      // The decoder widens its codes when its table reaches 2^codeSize, one entry behind us.
      if (next >= 1 << codeSize) codeSize++;
      table.set(key, next++);
    }
    prefix = k;
  }
  emit(prefix);
  emit(eoi);
  if (accBits > 0) out.byte(acc & 0xff);
  return out.result();
}

/** Encodes an animated (or single-frame) GIF89a. */
export function encodeGif(options: GifOptions): Uint8Array<ArrayBuffer> {
  const { width, height, palette, frames } = options;
  const loop = options.loop === undefined ? 0 : options.loop;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
    throw new RangeError(`a GIF is 1–65535 pixels a side, got ${width}×${height}`);
  }
  if (palette.length < 2 || palette.length > 256) throw new RangeError(`a GIF palette holds 2–256 colours, got ${palette.length}`);
  if (frames.length === 0) throw new RangeError('a GIF needs at least one frame');
  const bits = paletteBits(palette.length);
  const minCode = minCodeSize(palette.length);
  const w = new ByteWriter();

  w.ascii('GIF89a');
  // Logical screen descriptor: global colour table present, 8-bit colour resolution, 2^bits entries.
  w.u16(width);
  w.u16(height);
  w.byte(0x80 | (7 << 4) | (bits - 1));
  w.byte(0); // background colour index
  w.byte(0); // pixel aspect ratio: not given
  for (let i = 0; i < 1 << bits; i++) {
    const c = palette[i] ?? [0, 0, 0];
    w.bytes([c[0], c[1], c[2]]);
  }

  if (loop !== null && frames.length > 1) {
    w.bytes([0x21, 0xff, 0x0b]);
    w.ascii('NETSCAPE2.0');
    w.bytes([0x03, 0x01]);
    w.u16(Math.max(0, Math.min(0xffff, Math.round(loop))));
    w.byte(0);
  }

  for (const frame of frames) {
    if (frame.indices.length !== width * height) throw new RangeError(`a frame holds ${width * height} indices, got ${frame.indices.length}`);
    for (let i = 0; i < frame.indices.length; i++) {
      if (frame.indices[i]! >= palette.length) throw new RangeError(`index ${frame.indices[i]} is outside the ${palette.length}-colour palette`);
    }
    // Graphic control extension: disposal 1 (leave the frame in place), no transparency.
    w.bytes([0x21, 0xf9, 0x04, 0x04]);
    w.u16(Math.max(0, Math.min(0xffff, Math.round(frame.delayCs))));
    w.bytes([0x00, 0x00]);
    // Image descriptor: the whole screen, no local colour table, not interlaced.
    w.byte(0x2c);
    w.u16(0);
    w.u16(0);
    w.u16(width);
    w.u16(height);
    w.byte(0);
    w.byte(minCode);
    const data = lzwEncode(frame.indices, minCode);
    for (let i = 0; i < data.length; i += 255) {
      const n = Math.min(255, data.length - i);
      w.byte(n);
      w.bytes(data.subarray(i, i + n));
    }
    w.byte(0); // block terminator
  }
  w.byte(0x3b); // trailer
  return w.result();
}

/** Scales palette indices up by a whole factor (each pixel becomes a factor × factor block). */
export function scaleIndices(indices: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  if (factor === 1) return indices;
  const W = width * factor;
  const out = new Uint8Array(W * height * factor);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(W);
    for (let x = 0; x < width; x++) row.fill(indices[y * width + x]!, x * factor, (x + 1) * factor);
    for (let r = 0; r < factor; r++) out.set(row, (y * factor + r) * W);
  }
  return out;
}
