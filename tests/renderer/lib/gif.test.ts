import { describe, expect, it } from 'vitest';
import { encodeGif, lzwEncode, minCodeSize, paletteBits, scaleIndices, type Rgb } from '../../../renderer/src/lib/gif.ts';

/** GIF's LZW, decoded (the reference the encoder must round-trip through). */
function lzwDecode(data: Uint8Array, minCode: number): number[] {
  const clear = 1 << minCode;
  const eoi = clear + 1;
  let codeSize = minCode + 1;
  let dict: number[][] = [];
  const reset = () => {
    dict = [];
    for (let i = 0; i < clear; i++) dict.push([i]);
    dict.push([], []);
    codeSize = minCode + 1;
  };
  reset();
  const out: number[] = [];
  let bitPos = 0;
  const read = (): number => {
    let code = 0;
    for (let i = 0; i < codeSize; i++) {
      const byte = data[(bitPos + i) >> 3];
      if (byte === undefined) throw new Error('ran out of data before the end-of-information code');
      code |= ((byte >> ((bitPos + i) & 7)) & 1) << i;
    }
    bitPos += codeSize;
    return code;
  };
  let prev: number[] | null = null;
  for (;;) {
    const code = read();
    if (code === clear) {
      reset();
      prev = null;
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code]!;
    else if (code === dict.length && prev) entry = [...prev, prev[0]!];
    else throw new Error(`bad code ${code} (table has ${dict.length})`);
    out.push(...entry);
    if (prev && dict.length < 4096) dict.push([...prev, entry[0]!]);
    if (dict.length === 1 << codeSize && codeSize < 12) codeSize++;
    prev = entry;
  }
  return out;
}

interface DecodedFrame {
  delayCs: number;
  disposal: number;
  left: number;
  top: number;
  width: number;
  height: number;
  minCode: number;
  indices: number[];
}

interface DecodedGif {
  version: string;
  width: number;
  height: number;
  palette: Rgb[];
  loop: number | null;
  frames: DecodedFrame[];
}

/** Walks the GIF's blocks as a decoder would, checking each one's framing. */
function decodeGif(bytes: Uint8Array): DecodedGif {
  let p = 0;
  const u8 = () => {
    const b = bytes[p++];
    if (b === undefined) throw new Error(`truncated at byte ${p - 1}`);
    return b;
  };
  const u16 = () => u8() | (u8() << 8);
  const ascii = (n: number) => String.fromCharCode(...Array.from({ length: n }, u8));
  const subBlocks = () => {
    const parts: number[] = [];
    for (let n = u8(); n !== 0; n = u8()) for (let i = 0; i < n; i++) parts.push(u8());
    return new Uint8Array(parts);
  };
  const version = ascii(6);
  const width = u16();
  const height = u16();
  const packed = u8();
  expect(packed & 0x80).toBe(0x80); // global colour table
  const tableSize = 1 << ((packed & 7) + 1);
  u8(); // background
  u8(); // aspect
  const palette: Rgb[] = [];
  for (let i = 0; i < tableSize; i++) palette.push([u8(), u8(), u8()]);
  let loop: number | null = null;
  const frames: DecodedFrame[] = [];
  let pending = { delayCs: 0, disposal: 0 };
  for (;;) {
    const block = u8();
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = u8();
      if (label === 0xf9) {
        expect(u8()).toBe(4);
        const flags = u8();
        pending = { delayCs: u16(), disposal: (flags >> 2) & 7 };
        u8(); // transparent index
        expect(u8()).toBe(0);
      } else if (label === 0xff) {
        expect(u8()).toBe(11);
        const app = ascii(11);
        const data = subBlocks();
        if (app === 'NETSCAPE2.0') {
          expect(data[0]).toBe(1);
          loop = data[1]! | (data[2]! << 8);
        }
      } else subBlocks();
    } else if (block === 0x2c) {
      const left = u16();
      const top = u16();
      const w = u16();
      const h = u16();
      expect(u8() & 0x80).toBe(0); // no local table
      const minCode = u8();
      const indices = lzwDecode(subBlocks(), minCode);
      frames.push({ ...pending, left, top, width: w, height: h, minCode, indices });
      pending = { delayCs: 0, disposal: 0 };
    } else throw new Error(`unknown block 0x${block.toString(16)} at ${p - 1}`);
  }
  expect(p).toBe(bytes.length);
  return { version, width, height, palette, loop, frames };
}

/** Deterministic pseudo-random indices. */
function noise(n: number, colours: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 24) % colours;
  }
  return out;
}

const PALETTE: Rgb[] = [
  [255, 255, 255],
  [20, 20, 20],
  [79, 70, 229],
  [220, 222, 226],
];

describe('palette sizes', () => {
  it('rounds the colour count up to a power of two, with a minimum LZW code size of 2', () => {
    expect([2, 3, 4, 5, 16, 17, 256].map(paletteBits)).toEqual([1, 2, 2, 3, 4, 5, 8]);
    expect([2, 4, 8, 256].map(minCodeSize)).toEqual([2, 2, 3, 8]);
  });
});

describe('lzwEncode', () => {
  it.each([
    ['empty', new Uint8Array(0), 2],
    ['one pixel', new Uint8Array([3]), 2],
    ['flat', new Uint8Array(784 * 16), 2],
    ['stripes', Uint8Array.from({ length: 5000 }, (_, i) => (i >> 3) & 3), 2],
    ['noise, 4 colours (fills the 4096-code table)', noise(40_000, 4, 7), 2],
    ['noise, 2 colours', noise(9000, 2, 3), 2],
    ['noise, 256 colours', noise(20_000, 256, 11), 8],
  ])('round-trips %s', (_name, data, minCode) => {
    expect(lzwDecode(lzwEncode(data, minCode), minCode)).toEqual(Array.from(data));
  });

  it('compresses flat images well', () => {
    expect(lzwEncode(new Uint8Array(784 * 16), 2).length).toBeLessThan(300);
  });

  it('refuses code sizes GIF does not allow', () => {
    expect(() => lzwEncode(new Uint8Array(4), 1)).toThrow(RangeError);
    expect(() => lzwEncode(new Uint8Array(4), 9)).toThrow(RangeError);
  });
});

describe('encodeGif', () => {
  const width = 28 * 3;
  const height = 28;
  const frames = [0, 1, 2].map((i) => ({ indices: noise(width * height, 4, i + 1), delayCs: 4 + i }));

  it('writes a GIF89a with a 4-colour table, a loop and one block set per frame', () => {
    const gif = encodeGif({ width, height, palette: PALETTE, frames, loop: 0 });
    const decoded = decodeGif(gif);
    expect(decoded.version).toBe('GIF89a');
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    expect(decoded.palette).toEqual(PALETTE);
    expect(decoded.loop).toBe(0);
    expect(decoded.frames).toHaveLength(3);
    decoded.frames.forEach((f, i) => {
      expect(f).toMatchObject({ left: 0, top: 0, width, height, minCode: 2, delayCs: 4 + i, disposal: 1 });
      expect(f.indices).toEqual(Array.from(frames[i]!.indices));
    });
  });

  it('pads a 3-colour palette to 4 entries and can play once', () => {
    const gif = encodeGif({ width: 2, height: 2, palette: PALETTE.slice(0, 3), frames: [frames[0]!, frames[1]!].map((f) => ({ ...f, indices: f.indices.slice(0, 4).map((v) => v % 3) })), loop: null });
    const decoded = decodeGif(gif);
    expect(decoded.palette).toEqual([...PALETTE.slice(0, 3), [0, 0, 0]]);
    expect(decoded.loop).toBeNull();
    expect(decoded.frames).toHaveLength(2);
  });

  it('a 2-colour palette still uses LZW code size 2', () => {
    const decoded = decodeGif(encodeGif({ width: 8, height: 8, palette: PALETTE.slice(0, 2), frames: [{ indices: noise(64, 2, 5), delayCs: 10 }] }));
    expect(decoded.palette).toHaveLength(2);
    expect(decoded.loop).toBeNull(); // one frame: nothing to loop
    expect(decoded.frames[0]!.minCode).toBe(2);
    expect(decoded.frames[0]!.indices).toEqual(Array.from(noise(64, 2, 5)));
  });

  it('rejects frames of the wrong size and indices outside the palette', () => {
    expect(() => encodeGif({ width: 2, height: 2, palette: PALETTE, frames: [{ indices: new Uint8Array(3), delayCs: 1 }] })).toThrow(/4 indices/);
    expect(() => encodeGif({ width: 2, height: 2, palette: PALETTE.slice(0, 2), frames: [{ indices: new Uint8Array([0, 1, 2, 0]), delayCs: 1 }] })).toThrow(/palette/);
    expect(() => encodeGif({ width: 2, height: 2, palette: PALETTE, frames: [] })).toThrow(/frame/);
  });
});

describe('scaleIndices', () => {
  it('turns each pixel into a block', () => {
    expect(Array.from(scaleIndices(new Uint8Array([1, 2, 3, 0]), 2, 2, 2))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 0, 0, 3, 3, 0, 0]);
  });
});
