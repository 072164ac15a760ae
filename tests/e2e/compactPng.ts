/**
 * Screenshots small enough to commit: a PNG re-encoded with a palette of at most 256 colours
 * (the most frequent ones; every other colour maps to its nearest). A UI screenshot is mostly
 * flat colours and anti-aliased text, so this keeps it sharp at a third of the size.
 */
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Re-encodes an (opaque) PNG as an 8-bit palette PNG. */
export function paletteImage(png: Buffer): Buffer {
  const { width, height, data } = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const palette = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 256)
    .map(([key]) => key);
  const index = new Map<number, number>();
  for (const key of counts.keys()) {
    const r = key >> 16;
    const g = (key >> 8) & 255;
    const b = key & 255;
    let best = 0;
    let bestDistance = Infinity;
    for (let p = 0; p < palette.length; p++) {
      const q = palette[p]!;
      const dr = r - (q >> 16);
      const dg = g - ((q >> 8) & 255);
      const db = b - (q & 255);
      const d = 2 * dr * dr + 4 * dg * dg + db * db; // roughly perceptual weights
      if (d < bestDistance) {
        bestDistance = d;
        best = p;
      }
    }
    index.set(key, best);
  }
  const raw = Buffer.alloc((width + 1) * height); // each row: filter byte 0, then indices
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      raw[y * (width + 1) + 1 + x] = index.get((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)!;
    }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 3; // indexed colour
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((key, p) => {
    plte[p * 3] = key >> 16;
    plte[p * 3 + 1] = (key >> 8) & 255;
    plte[p * 3 + 2] = key & 255;
  });
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
