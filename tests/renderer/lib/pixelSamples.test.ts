import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { PIXELS, SIDE } from '../../../renderer/src/lib/bitmap.ts';
import {
  applySampleEvent,
  EXPORT_PALETTE,
  exportName,
  FillRecorder,
  gridColumns,
  gridIndices,
  heatRgba,
  KNOWN_INK,
  newSampleBuffers,
  PAPER,
  PENDING,
  SAMPLED_INK,
  sampleColours,
  sampleIndices,
  sampleRgba,
} from '../../../renderer/src/lib/pixelSamples.ts';

const K = 3;
const known = (() => {
  const values = new Uint8Array(PIXELS);
  const mask = new Uint8Array(PIXELS);
  mask.fill(1, 0, 2 * SIDE); // the top two rows are known
  values[5] = 1;
  values[SIDE + 7] = 1;
  return { values, mask };
})();

const pixel = (index: number, values: number[], probs: number[]): JobEvent => ({
  kind: 'pixel',
  index,
  row: Math.floor(index / SIDE),
  col: index % SIDE,
  values: Uint8Array.from(values),
  probs: Float32Array.from(probs),
});

describe('sample buffers', () => {
  it('start with the known pixels in every sample and count the unknown ones', () => {
    const b = newSampleBuffers(K, known);
    expect(b.unknownTotal).toBe(PIXELS - 2 * SIDE);
    for (let k = 0; k < K; k++) {
      expect(b.images[k * PIXELS + 5]).toBe(1);
      expect(b.images[k * PIXELS + SIDE + 7]).toBe(1);
    }
    expect(Number.isNaN(b.probs[0]!)).toBe(true);
    expect(newSampleBuffers(2).unknownTotal).toBe(PIXELS);
  });

  it('take each pixel event into every sample, but never overwrite a known pixel', () => {
    const b = newSampleBuffers(K, known);
    applySampleEvent(b, pixel(2 * SIDE, [1, 0, 1], [0.9, 0.2, 0.6]));
    expect([0, 1, 2].map((k) => b.images[k * PIXELS + 2 * SIDE])).toEqual([1, 0, 1]);
    expect(b.probs[PIXELS + 2 * SIDE]).toBeCloseTo(0.2);
    expect(b.drawnCount).toBe(1);
    expect(b.current).toMatchObject({ index: 2 * SIDE, row: 2, col: 0 });
    applySampleEvent(b, pixel(5, [0, 0, 0], [0, 0, 0])); // known: ignored
    expect(b.images[5]).toBe(1);
    expect(b.drawnCount).toBe(1);
  });

  it('finish with the images event: NLL, the final pixels, known ones kept', () => {
    const b = newSampleBuffers(K, known);
    applySampleEvent(b, pixel(2 * SIDE, [1, 0, 1], [0.9, 0.2, 0.6]));
    const images = new Uint8Array(K * PIXELS);
    images[2 * SIDE] = 1;
    images[PIXELS + 2 * SIDE + 1] = 1; // never drawn (a stopped job): stays pending
    const done: JobEvent = { kind: 'images', samples: K, images, nll: [1, 2, 3], bitsPerDim: [0.1, 0.2, 0.3], method: 'fast', pixels: 1, elapsedMs: 5 };
    applySampleEvent(b, done);
    expect(b.finished).toBe(true);
    expect(b.nll).toEqual([1, 2, 3]);
    expect(b.current).toBeNull();
    expect(b.images[PIXELS + 2 * SIDE + 1]).toBe(0);
    expect(b.images[5]).toBe(0); // the images event said 0 here and the pixel is known: it is shown as the worker sent it
  });

  it('fill in probabilities from the row map', () => {
    const b = newSampleBuffers(1, known);
    const map = new Float32Array(PIXELS).fill(NaN);
    map[2 * SIDE + 3] = 0.25;
    map[0] = 0.5; // a known pixel: no probability is shown for it
    applySampleEvent(b, { kind: 'probabilities', row: 2, map });
    expect(b.probs[2 * SIDE + 3]).toBeCloseTo(0.25);
    expect(Number.isNaN(b.probs[0]!)).toBe(true);
  });
});

describe('pictures', () => {
  const b = newSampleBuffers(2, known);
  applySampleEvent(b, pixel(2 * SIDE, [1, 0], [0.9, 0.1]));
  applySampleEvent(b, pixel(2 * SIDE + 1, [0, 0], [0.3, 0.1]));

  it('colour each pixel as known ink, the model’s ink, paper or still to draw', () => {
    const idx = sampleIndices(b, 0);
    expect(idx[5]).toBe(KNOWN_INK);
    expect(idx[0]).toBe(PAPER);
    expect(idx[2 * SIDE]).toBe(SAMPLED_INK);
    expect(idx[2 * SIDE + 1]).toBe(PAPER);
    expect(idx[2 * SIDE + 2]).toBe(PENDING);
    expect(sampleIndices(b, 0, false)[2 * SIDE]).toBe(KNOWN_INK);
    const colours = sampleColours(false);
    const rgba = sampleRgba(b, 0, colours);
    expect([...rgba.subarray(5 * 4, 5 * 4 + 4)]).toEqual([...colours.cells[KNOWN_INK], 255]);
  });

  it('shade the probability map from low to high', () => {
    const colours = sampleColours(true);
    const heat = heatRgba(b, 0, colours);
    expect([...heat.subarray(0, 3)]).toEqual([...colours.heatNone]);
    const hi = heat.subarray(2 * SIDE * 4, 2 * SIDE * 4 + 3);
    const lo = heat.subarray((2 * SIDE + 1) * 4, (2 * SIDE + 1) * 4 + 3);
    // p = 0.9 is nearer the high colour than p = 0.3.
    const d = (a: ArrayLike<number>, c: readonly number[]) => Math.abs(a[0]! - c[0]!) + Math.abs(a[1]! - c[1]!) + Math.abs(a[2]! - c[2]!);
    expect(d(hi, colours.heatHigh)).toBeLessThan(d(lo, colours.heatHigh));
  });

  it('lay samples out in a grid with borders, scaled', () => {
    expect([1, 4, 8, 9, 16, 64].map(gridColumns)).toEqual([1, 4, 8, 3, 4, 8]);
    const grid = gridIndices(b, b.known, 2);
    expect([grid.width, grid.height]).toEqual([1 + 2 * 29, 1 + 29]);
    expect(grid.indices[0]).toBe(PENDING); // border
    expect(grid.indices[1 * grid.width + 1 + 5]).toBe(KNOWN_INK); // sample 1, pixel 5
    expect(grid.indices[1 * grid.width + 30 + 5]).toBe(KNOWN_INK); // sample 2, pixel 5
    const one = gridIndices(b, b.known, 2, { only: 1, scale: 10, tint: false });
    expect([one.width, one.height]).toEqual([280, 280]);
    expect(one.indices[0]).toBe(PAPER);
    expect(one.indices[50]).toBe(KNOWN_INK); // pixel 5 spans columns 50–59 of row 0
  });
});

describe('FillRecorder', () => {
  it('records every N pixels, the start and the end, and makes a GIF of them', () => {
    const b = newSampleBuffers(2, known);
    const every = FillRecorder.cadence(b.unknownTotal, 10);
    expect(every).toBe(Math.ceil((PIXELS - 56) / 10));
    const rec = new FillRecorder(every);
    rec.record(b, true);
    for (let i = 2 * SIDE; i < PIXELS; i++) {
      applySampleEvent(b, pixel(i, [i % 2, 1], [0.5, 0.5]));
      rec.record(b);
    }
    rec.record(b, true);
    expect(rec.size).toBeGreaterThanOrEqual(10);
    expect(rec.size).toBeLessThanOrEqual(12);
    expect(rec.frames[0]!.drawn.every((d) => d === 0)).toBe(true);
    expect(rec.frames.at(-1)!.drawn.every((d, i) => d === (i >= 56 ? 1 : 0))).toBe(true);
    const gif = rec.toGif(b.known, 2, { scale: 2 });
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    const width = gif[6]! | (gif[7]! << 8);
    expect(width).toBe(2 * (1 + 2 * 29));
    expect(EXPORT_PALETTE).toHaveLength(4);
  });

  it('caps the number of frames, keeping the first', () => {
    const b = newSampleBuffers(1);
    const rec = new FillRecorder(1, 5);
    for (let i = 0; i < 20; i++) {
      applySampleEvent(b, pixel(i, [1], [0.5]));
      rec.record(b);
    }
    expect(rec.size).toBe(5);
    expect(rec.frames[0]!.drawn.filter(Boolean)).toHaveLength(1);
    expect(rec.frames.at(-1)!.drawn.filter(Boolean)).toHaveLength(20);
  });
});

describe('exportName', () => {
  it('starts with a file-safe run name', () => {
    expect(exportName('completion', '2', 'PixelCNN 8 ch, 1+1 masked layers on mnist')).toBe('PixelCNN-8-ch-1-1-masked-layers-on-mnist-completion-2');
    expect(exportName('samples', 'grid-16', null)).toBe('samples-grid-16');
  });
});
