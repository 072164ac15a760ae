import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { PixelSampleOptions, type KnownPixels, type PixelSamplingMethod } from '../../../core/generate/pixelcnnOptions.ts';
import { samplePixelCnn, type PixelCnnEvent, type PixelSamplingRequest } from '../../../core/generate/pixelcnnSampling.ts';
import { PixelCnnModel } from '../../../core/models/pixelcnn.ts';
import { BENCH_PIXELCNN_CONFIG, DEFAULT_PIXELCNN_CONFIG, PixelCnnConfig } from '../../../core/models/pixelcnnConfig.ts';
import { createRng } from '../../../core/rng.ts';
import { useAppBackend } from '../../helpers/backend.ts';
import { forbidSyncReads } from '../../helpers/noSyncReads.ts';

beforeAll(useAppBackend);

const SMALL = PixelCnnConfig.parse({ family: 'pixelcnn', channels: 8, residualBlocks: 2, hiddenOut: 8 });
let model: PixelCnnModel;
beforeAll(() => {
  model = new PixelCnnModel(SMALL, 11);
});
afterAll(() => model.dispose());

async function run(m: PixelCnnModel, request: Partial<PixelSamplingRequest> & { method: PixelSamplingMethod }): Promise<PixelCnnEvent[]> {
  const events: PixelCnnEvent[] = [];
  for await (const e of samplePixelCnn(m, { samples: 2, seed: 5, ...request })) events.push(e);
  return events;
}

const doneOf = (events: PixelCnnEvent[]) => events.at(-1) as Extract<PixelCnnEvent, { kind: 'done' }>;
const pixelsOf = (events: PixelCnnEvent[]) => events.filter((e): e is Extract<PixelCnnEvent, { kind: 'pixel' }> => e.kind === 'pixel');

/** The top `rows` rows of an MNIST digit known, plus a scattering of known pixels further down and a whole known band. */
function partialDigit(index: number, rows: number, scatterSeed = 3): KnownPixels {
  const digit = loadMnistDigits().images.subarray(index * 784, (index + 1) * 784);
  const mask = new Uint8Array(784);
  const rng = createRng(scatterSeed);
  for (let i = 0; i < 784; i++) {
    const row = Math.floor(i / 28);
    mask[i] = row < rows || (row >= 17 && row < 19) || rng.next() < 0.1 ? 1 : 0;
  }
  return { values: Uint8Array.from(digit), mask };
}

/** Everything but timing. */
function comparable(events: PixelCnnEvent[]): unknown[] {
  return events.map((e) => (e.kind === 'done' ? { ...e, elapsedMs: 0, msPerPixel: 0, method: '' } : e));
}

describe('PixelCNN sampling', () => {
  it('fast and band generation equal naive generation with the same seed (K=2, unconditional)', async () => {
    const naive = await run(model, { method: 'naive' });
    const band = await run(model, { method: 'band' });
    const fast = await run(model, { method: 'fast' });
    expect(pixelsOf(naive)).toHaveLength(784);
    expect(comparable(band)).toEqual(comparable(naive));
    expect(comparable(fast)).toEqual(comparable(naive));
    const d = doneOf(fast);
    expect(d.images).toHaveLength(2 * 784);
    expect(d.images).not.toEqual(new Uint8Array(2 * 784));
    for (const n of d.nll) expect(n).toBeGreaterThan(0);
  });

  it('fast equals naive for completions too (known rows, a known band, scattered known pixels)', async () => {
    const known = partialDigit(3, 9);
    const naive = await run(model, { method: 'naive', known, seed: 8 });
    const fast = await run(model, { method: 'fast', known, seed: 8 });
    const band = await run(model, { method: 'band', known, seed: 8 });
    expect(comparable(fast)).toEqual(comparable(naive));
    expect(comparable(band)).toEqual(comparable(naive));
  });

  it('agrees with naive on other image sizes, and when near-ties are re-decided with naive logits', async () => {
    const naive = await run(model, { method: 'naive', side: 12, samples: 3 });
    expect(pixelsOf(naive)).toHaveLength(144);
    expect(comparable(await run(model, { method: 'fast', side: 12, samples: 3 }))).toEqual(comparable(naive));
    expect(comparable(await run(model, { method: 'band', side: 12, samples: 3 }))).toEqual(comparable(naive));
    // The tie path (used where a backend's convolutions may round differently by shape).
    expect(comparable(await run(model, { method: 'fast', side: 12, samples: 3, tieTolerance: 0.1 }))).toEqual(comparable(naive));
  });

  for (const [label, config] of [['the benchmark shape', BENCH_PIXELCNN_CONFIG], ['the default shape', DEFAULT_PIXELCNN_CONFIG]] as const) {
    it(`fast equals naive on ${label} (completion of the bottom 8 rows)`, async () => {
      const net = new PixelCnnModel(config, 12);
      const digit = loadMnistDigits().images.subarray(5 * 784, 6 * 784);
      const known: KnownPixels = { values: Uint8Array.from(digit), mask: new Uint8Array(784).map((_, i) => (i < 20 * 28 ? 1 : 0)) };
      const naive = await run(net, { method: 'naive', known });
      const fast = await run(net, { method: 'fast', known });
      expect(pixelsOf(fast)).toHaveLength(8 * 28);
      expect(comparable(fast)).toEqual(comparable(naive));
      net.dispose();
    });
  }

  it('never reads synchronously (WebGPU in Node cannot), and gives the same images when it cannot', async () => {
    const known = partialDigit(4, 14);
    const expected = await Promise.all((['naive', 'band', 'fast'] as const).map(async (method) => comparable(await run(model, { method, known, seed: 3 }))));
    const digits = loadMnistDigits().images;
    const loss = await model.meanLoss(digits, 3); // (on wasm the masks' open taps are read once, from host memory)
    const allow = forbidSyncReads();
    try {
      expect(() => tf.scalar(1).add(1).dataSync()).toThrow(/synchronous read/);
      for (const [i, method] of (['naive', 'band', 'fast'] as const).entries()) {
        expect(comparable(await run(model, { method, known, seed: 3 })), method).toEqual(expected[i]);
      }
      expect(await model.meanLoss(digits, 3)).toBe(loss);
    } finally {
      allow();
    }
  });

  it('completion never changes a known pixel, and draws every unknown one once', async () => {
    const known = partialDigit(7, 12, 9);
    const unknown = known.mask.reduce((n, m) => n + (m ? 0 : 1), 0);
    for (const method of ['naive', 'fast'] as const) {
      const events = await run(model, { method, known, samples: 3, seed: 2 });
      const pixels = pixelsOf(events);
      expect(pixels).toHaveLength(unknown);
      expect(pixels.map((p) => p.index)).toEqual([...Array(784).keys()].filter((i) => !known.mask[i]));
      const { images, pixels: drawn } = doneOf(events);
      expect(drawn).toBe(unknown);
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < 784; i++) if (known.mask[i]) expect(images[k * 784 + i]).toBe(known.values[i]);
      }
      // Each pixel event's bits are what ends up in the images.
      for (const p of pixels) for (let k = 0; k < 3; k++) expect(images[k * 784 + p.index]).toBe(p.values[k]);
    }
  });

  it('streams pixel events with probabilities and a probability map after each row', async () => {
    const known = partialDigit(1, 20);
    const events = await run(model, { method: 'fast', known });
    const maps = events.filter((e): e is Extract<PixelCnnEvent, { kind: 'probabilities' }> => e.kind === 'probabilities');
    const rowsWithUnknown = new Set(pixelsOf(events).map((p) => p.row));
    expect(maps.map((m) => m.row)).toEqual([...rowsWithUnknown]);
    const last = maps.at(-1)!.map;
    expect(last).toHaveLength(2 * 784);
    for (const p of pixelsOf(events)) {
      expect(p.row * 28 + p.col).toBe(p.index);
      for (let k = 0; k < 2; k++) {
        expect(p.probs[k]).toBeGreaterThan(0);
        expect(p.probs[k]).toBeLessThan(1);
        expect(last[k * 784 + p.index]).toBe(p.probs[k]);
      }
    }
    for (let i = 0; i < 784; i++) if (known.mask[i]) expect(last[i]).toBeNaN();
    const done = doneOf(events);
    expect(done.reason).toBe('completed');
    expect(done.bitsPerDim[0]).toBeCloseTo(done.nll[0]! / (784 * Math.LN2), 10);
  });

  it('same seed, same images; another seed, other images', async () => {
    const a = doneOf(await run(model, { method: 'fast', seed: 21 })).images;
    const b = doneOf(await run(model, { method: 'fast', seed: 21 })).images;
    const c = doneOf(await run(model, { method: 'fast', seed: 22 })).images;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('stops when the signal aborts', async () => {
    for (const method of ['naive', 'band', 'fast'] as const) {
      const abort = new AbortController();
      const events: PixelCnnEvent[] = [];
      for await (const e of samplePixelCnn(model, { samples: 2, seed: 1, method, signal: abort.signal })) {
        events.push(e);
        if (pixelsOf(events).length === 5) abort.abort();
      }
      expect(doneOf(events)).toMatchObject({ kind: 'done', reason: 'cancelled', pixels: 5 });
    }
  });

  it('leaks no tensors: whole runs, aborted runs, and consumers that break early', async () => {
    const before = tf.memory().numTensors;
    const known = partialDigit(2, 10);
    for (const method of ['naive', 'band', 'fast'] as const) {
      await run(model, { method, known });
      expect(tf.memory().numTensors, method).toBe(before);
      for await (const e of samplePixelCnn(model, { samples: 2, seed: 1, method })) if (e.kind === 'pixel' && e.index === 40) break;
      expect(tf.memory().numTensors, `${method}, broken off`).toBe(before);
    }
  });

  it('refuses known pixels of the wrong size; options have defaults', async () => {
    await expect(run(model, { method: 'fast', known: { values: new Uint8Array(10), mask: new Uint8Array(10) } })).rejects.toThrow(RangeError);
    expect(PixelSampleOptions.parse({})).toEqual({ samples: 4, seed: 1, method: 'fast', temperature: 1 });
  });

  it('temperature sharpens the probabilities drawn from', async () => {
    const spread = (events: PixelCnnEvent[]) => pixelsOf(events).reduce((s, p) => s + Math.abs(p.probs[0]! - 0.5), 0);
    const cold = await run(model, { method: 'fast', temperature: 0.3 });
    const warm = await run(model, { method: 'fast', temperature: 1 });
    expect(spread(cold)).toBeGreaterThan(spread(warm));
  });
});
