import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { maskedAfterPass, sampleMaskedImage, type MaskedImageEvent, type MaskedImageSamplingRequest } from '../../../core/generate/maskedImageSampling.ts';
import { DEFAULT_CHOICE_NOISE, type KnownPixels } from '../../../core/generate/pixelcnnOptions.ts';
import { MaskedImageModel } from '../../../core/models/maskedImage.ts';
import { MaskedImageConfig } from '../../../core/models/maskedImageConfig.ts';
import { createRng } from '../../../core/rng.ts';
import { useAppBackend } from '../../helpers/backend.ts';
import { forbidSyncReads } from '../../helpers/noSyncReads.ts';

beforeAll(useAppBackend);

const SMALL = MaskedImageConfig.parse({ family: 'masked-image', channels: 8, dilations: [1, 2, 4, 7], hiddenOut: 8 });
let model: MaskedImageModel;
beforeAll(() => {
  model = new MaskedImageModel(SMALL, 11);
});
afterAll(() => model.dispose());

async function run(request: Partial<MaskedImageSamplingRequest>): Promise<MaskedImageEvent[]> {
  const events: MaskedImageEvent[] = [];
  for await (const e of sampleMaskedImage(model, { samples: 3, seed: 5, passes: 4, ...request })) events.push(e);
  return events;
}
const doneOf = (events: MaskedImageEvent[]) => events.at(-1) as Extract<MaskedImageEvent, { kind: 'done' }>;
const passesOf = (events: MaskedImageEvent[]) => events.filter((e): e is Extract<MaskedImageEvent, { kind: 'pass' }> => e.kind === 'pass');

/** A digit with a random mask: one of a few shapes, at a random ratio. */
function randomKnown(rng: () => number, index: number): KnownPixels {
  const digit = loadMnistDigits().images.subarray(index * 784, (index + 1) * 784);
  const ratio = rng();
  const rows = Math.floor(rng() * 28);
  const shape = Math.floor(rng() * 3);
  const mask = new Uint8Array(784);
  for (let i = 0; i < 784; i++) mask[i] = shape === 0 ? (rng() < ratio ? 1 : 0) : shape === 1 ? (Math.floor(i / 28) < rows ? 1 : 0) : i % 28 < rows ? 1 : 0;
  return { values: Uint8Array.from(digit), mask };
}

describe('maskedAfterPass (MaskGIT cosine schedule)', () => {
  it('is ⌊N·cos(π/2·t/T)⌋, never grows, and reaches 0 after the last pass', () => {
    for (const N of [1, 7, 100, 784]) {
      for (const T of [1, 2, 4, 8, 13]) {
        let last = N;
        for (let t = 1; t <= T; t++) {
          const n = maskedAfterPass(N, t, T);
          expect(n).toBe(t === T ? 0 : Math.floor(N * Math.cos((Math.PI / 2) * (t / T))));
          expect(n).toBeLessThanOrEqual(last);
          last = n;
        }
      }
    }
    expect(maskedAfterPass(784, 1, 4)).toBe(724); // ⌊784·cos(π/8)⌋
  });
});

describe('sampleMaskedImage', () => {
  it('never changes a known pixel, whatever the mask (property over random masks)', async () => {
    const rng = createRng(21);
    for (let trial = 0; trial < 8; trial++) {
      const known = randomKnown(() => rng.next(), trial * 997);
      const events = await run({ known, seed: trial, passes: 1 + (trial % 4) });
      for (const e of events) {
        if (e.kind === 'done' || e.kind === 'pass') {
          for (let k = 0; k < 3; k++) {
            for (let i = 0; i < 784; i++) if (known.mask[i]) expect(e.images[k * 784 + i]).toBe(known.values[i]);
          }
        }
        if (e.kind === 'pass') for (let k = 0; k < 3; k++) for (let i = 0; i < 784; i++) if (known.mask[i]) expect(e.masked[k * 784 + i]).toBe(0);
      }
    }
  });

  it('makes T passes; each predicts what the last masked again, on the cosine schedule', async () => {
    const digit = loadMnistDigits().images.subarray(3 * 784, 4 * 784);
    const known = { values: Uint8Array.from(digit), mask: Uint8Array.from({ length: 784 }, (_, i) => (i < 8 * 28 ? 1 : 0)) };
    const N = 784 - known.mask.reduce((a, b) => a + b, 0);
    for (const T of [1, 4, 8]) {
      const events = await run({ known, passes: T });
      const passes = passesOf(events);
      expect(passes.map((p) => p.pass)).toEqual(Array.from({ length: T }, (_, i) => i + 1));
      expect(doneOf(events)).toMatchObject({ passes: T, pixels: N, reason: 'completed' });
      passes.forEach((p, t) => {
        expect(p.predicted).toBe(t === 0 ? N : passes[t - 1]!.remasked);
        expect(p.remasked).toBe(maskedAfterPass(N, t + 1, T));
        for (let k = 0; k < 3; k++) expect(p.masked.subarray(k * 784, (k + 1) * 784).reduce((a, b) => a + b, 0)).toBe(p.remasked);
      });
      expect(passes.at(-1)!.remasked).toBe(0);
    }
  });

  /** Per sample of a pass: the most confident unknown pixel masked again, the least confident kept. */
  function confidenceSplit(pass: Extract<MaskedImageEvent, { kind: 'pass' }>): { maxMasked: number; minKept: number }[] {
    return [0, 1, 2].map((k) => {
      let maxMasked = 0;
      let minKept = 1;
      for (let i = 0; i < 784; i++) {
        const p = pass.probs[k * 784 + i]!;
        if (Number.isNaN(p)) continue; // a known pixel
        const conf = pass.images[k * 784 + i] ? p : 1 - p;
        if (pass.masked[k * 784 + i]) maxMasked = Math.max(maxMasked, conf);
        else minKept = Math.min(minKept, conf);
      }
      return { maxMasked, minKept };
    });
  }

  it('without choice noise, masks again the least confident pixels', async () => {
    const first = passesOf(await run({ passes: 3, choiceNoise: 0 }))[0]!;
    for (const { maxMasked, minKept } of confidenceSplit(first)) expect(maxMasked).toBeLessThanOrEqual(minKept);
  });

  it('with choice noise (the default), masks again some pixels surer than some it keeps, as many as the schedule says', async () => {
    const digit = loadMnistDigits().images.subarray(5 * 784, 6 * 784);
    const known = { values: Uint8Array.from(digit), mask: Uint8Array.from({ length: 784 }, (_, i) => (i < 10 * 28 ? 1 : 0)) };
    const N = 784 - 10 * 28;
    for (const options of [{}, { choiceNoise: DEFAULT_CHOICE_NOISE }]) {
      const events = await run({ passes: 3, known, ...options });
      const first = passesOf(events)[0]!;
      expect(first.remasked).toBe(maskedAfterPass(N, 1, 3));
      for (const { maxMasked, minKept } of confidenceSplit(first)) expect(maxMasked, `${maxMasked} ${minKept}`).toBeGreaterThan(minKept);
      expect(doneOf(events).passes).toBe(3);
    }
    // The default is that noise: the same images.
    expect(Array.from(doneOf(await run({ passes: 3, known })).images)).toEqual(Array.from(doneOf(await run({ passes: 3, known, choiceNoise: DEFAULT_CHOICE_NOISE })).images));
    // The noise picks what is masked again, never the bits drawn: pass 1 draws the same bits either way.
    const quiet = passesOf(await run({ passes: 3, known, choiceNoise: 0 }))[0]!;
    const noisy = passesOf(await run({ passes: 3, known }))[0]!;
    expect(Array.from(noisy.images)).toEqual(Array.from(quiet.images));
    expect(Array.from(noisy.masked)).not.toEqual(Array.from(quiet.masked));
    await expect(run({ choiceNoise: -1 }).then(() => 'ran')).rejects.toThrow(/choiceNoise/);
  });

  it('same seed, same images; another seed, other images; reads nothing synchronously', async () => {
    const known = randomKnown(() => 0.5, 40);
    const restore = forbidSyncReads();
    let a: MaskedImageEvent[];
    try {
      a = await run({ known, seed: 9 });
    } finally {
      restore();
    }
    const b = await run({ known, seed: 9 });
    const c = await run({ known, seed: 10 });
    expect(Array.from(doneOf(a).images)).toEqual(Array.from(doneOf(b).images));
    expect(doneOf(a).sampledNll).toEqual(doneOf(b).sampledNll);
    expect(Array.from(doneOf(a).images)).not.toEqual(Array.from(doneOf(c).images));
  });

  it('with every pixel known there is nothing to do; an aborted signal stops before the first pass', async () => {
    const all = { values: new Uint8Array(784).fill(1), mask: new Uint8Array(784).fill(1) };
    const events = await run({ known: all });
    expect(events.length).toBe(1);
    expect(doneOf(events)).toMatchObject({ passes: 0, pixels: 0 });
    const controller = new AbortController();
    controller.abort();
    const cancelled = await run({ signal: controller.signal });
    expect(doneOf(cancelled)).toMatchObject({ reason: 'cancelled', passes: 0 });
    await expect(run({ passes: 0 })).rejects.toThrow(RangeError);
  });
});
