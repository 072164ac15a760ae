import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { pixelCnnImageNll, raceImages, topRowsKnown, type ImageRaceEvent, type RacePixelCnn } from '../../../core/generate/imageRace.ts';
import { MaskedImageModel } from '../../../core/models/maskedImage.ts';
import { MaskedImageConfig } from '../../../core/models/maskedImageConfig.ts';
import { PixelCnnModel } from '../../../core/models/pixelcnn.ts';
import { PixelCnnConfig } from '../../../core/models/pixelcnnConfig.ts';
import { useAppBackend } from '../../helpers/backend.ts';
import { mockTurnClock } from '../../helpers/turnClock.ts';

beforeAll(useAppBackend);

let pixelCnn: PixelCnnModel;
let masked: MaskedImageModel;
beforeAll(() => {
  pixelCnn = new PixelCnnModel(PixelCnnConfig.parse({ family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 8 }), 3);
  masked = new MaskedImageModel(MaskedImageConfig.parse({ family: 'masked-image', channels: 8, dilations: [1, 2, 4, 7], hiddenOut: 8 }), 5);
});
afterAll(() => {
  pixelCnn.dispose();
  masked.dispose();
});

const digit = () => loadMnistDigits().images.slice(3 * 784, 4 * 784);

async function race(rows: number, iterations: number, samples = 3, choiceNoise?: number): Promise<ImageRaceEvent[]> {
  const events: ImageRaceEvent[] = [];
  for await (const e of raceImages(pixelCnn, masked, { samples, iterations, seed: 9, choiceNoise, known: topRowsKnown(digit(), rows) })) events.push(e);
  return events;
}

describe('the image race', () => {
  it('runs the three lanes, keeps the known pixels, counts passes and scores every completion under the PixelCNN', async () => {
    const rows = 14;
    const K = 3;
    const events = await race(rows, 5, K);
    const done = events.at(-1);
    if (done?.kind !== 'done') throw new Error('no done event');
    expect(done.reason).toBe('completed');
    expect(done.lanes.map((l) => l.lane)).toEqual(['pixelcnn', 'nar-t1', 'nar-tk']);
    const unknown = 784 - rows * 28;
    const [ar, t1, tk] = done.lanes;
    // The PixelCNN draws one unknown pixel at a time; mask-predict takes at most T passes.
    expect(ar!.passes).toBe(unknown);
    expect(t1!.passes).toBe(1);
    expect(tk!.passes).toBeLessThanOrEqual(5);
    expect(tk!.passes).toBeGreaterThan(1);
    const known = topRowsKnown(digit(), rows);
    for (const lane of done.lanes) {
      expect(lane.wallMs).toBeGreaterThan(0);
      expect(lane.images).toHaveLength(K * 784);
      expect(lane.images.every((b) => b === 0 || b === 1)).toBe(true);
      // Known pixels are never changed, by either model.
      for (let k = 0; k < K; k++) for (let i = 0; i < rows * 28; i++) expect(lane.images[k * 784 + i]).toBe(known.values[i]);
      // The same footing for every lane: −log p under the PixelCNN, per image, averaged.
      const nlls = await pixelCnnImageNll(pixelCnn, lane.images, K);
      lane.nlls.forEach((n, k) => expect(n).toBeCloseTo(nlls[k]!, 3));
      expect(lane.nll).toBeCloseTo(nlls.reduce((a, b) => a + b, 0) / K, 3);
      expect(lane.nll).toBeGreaterThan(0);
    }
    // The K completions differ from one another (they are samples, not one answer).
    expect(new Set([0, 1, 2].map((k) => ar!.images.subarray(k * 784, (k + 1) * 784).join(''))).size).toBeGreaterThan(1);
  });

  it('streams frames: the PixelCNN after every row of its raster front, the masked model after every pass', async () => {
    const events = await race(20, 4, 2);
    const frames = (lane: string) => events.filter((e): e is Extract<ImageRaceEvent, { kind: 'frame' }> => e.kind === 'frame' && e.lane === lane);
    expect(frames('pixelcnn')).toHaveLength(8);
    expect(frames('pixelcnn').map((f) => f.passes)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((r) => r * 28));
    // The raster front: below it, pixels are pending.
    const first = frames('pixelcnn')[0]!;
    expect(first.pending[20 * 28]).toBe(0);
    expect(first.pending[21 * 28]).toBe(1);
    expect(frames('nar-t1')).toHaveLength(1);
    expect(frames('nar-tk').map((f) => f.passes)).toEqual([1, 2, 3, 4]);
    expect(frames('nar-tk').at(-1)!.pending.every((b) => b === 0)).toBe(true);
    // Each lane's result follows its frames, in order.
    const order = events.filter((e) => e.kind === 'lane').map((e) => (e.kind === 'lane' ? e.result.lane : ''));
    expect(order).toEqual(['pixelcnn', 'nar-t1', 'nar-tk']);
  });

  it('gives the mask-predict lane its choice noise, and only that lane', async () => {
    const images = async (noise: number) => {
      const done = (await race(14, 4, 2, noise)).at(-1);
      if (done?.kind !== 'done') throw new Error('no done event');
      return Object.fromEntries(done.lanes.map((l) => [l.lane, Array.from(l.images)]));
    };
    const quiet = await images(0);
    const noisy = await images(3);
    expect(noisy.pixelcnn).toEqual(quiet.pixelcnn);
    expect(noisy['nar-t1']).toEqual(quiet['nar-t1']);
    expect(noisy['nar-tk']).not.toEqual(quiet['nar-tk']);
  });

  it('times only each lane’s own work: not the event loop’s turns, not the scoring', async () => {
    // A clock that moves 50 ms when the event loop gets a turn, 10 ms per masked-model pass and
    // 1000 ms per PixelCNN pass over whole images (what scoring the completions takes): a lane
    // whose clock ran across a turn, or across a scoring pass, would be charged for it.
    const clock = mockTurnClock(50);
    // The PixelCNN's logits for whole images (its scoring pass) cost 1000 ms on this clock.
    const scored: RacePixelCnn = {
      config: pixelCnn.config,
      logits: (x) => pixelCnn.logits(x),
      inference: () => {
        const net = pixelCnn.inference();
        const logits = net.logits.bind(net);
        net.logits = (x) => {
          clock.advance(1000);
          return logits(x);
        };
        return net;
      },
    };
    const timed: Pick<MaskedImageModel, 'logits'> = {
      logits: (x, k) => {
        clock.advance(10);
        return masked.logits(x, k);
      },
    };
    try {
      const events: ImageRaceEvent[] = [];
      for await (const e of raceImages(scored, timed, { samples: 2, iterations: 4, seed: 3, known: topRowsKnown(digit(), 20) })) events.push(e);
      const done = events.at(-1);
      if (done?.kind !== 'done') throw new Error('no done event');
      expect(clock.turns()).toBeGreaterThan(1); // the race did let the event loop run
      const ms = Object.fromEntries(done.lanes.map((l) => [l.lane, l.wallMs]));
      expect(ms['nar-t1']).toBe(10);
      expect(ms['nar-tk']).toBe(40);
      expect(ms.pixelcnn).toBeLessThan(1000);
    } finally {
      clock.restore();
    }
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const events: ImageRaceEvent[] = [];
    for await (const e of raceImages(pixelCnn, masked, { samples: 2, iterations: 4, seed: 1, known: topRowsKnown(digit(), 14), signal: controller.signal })) {
      events.push(e);
      if (e.kind === 'frame') controller.abort();
    }
    const done = events.at(-1);
    expect(done).toMatchObject({ kind: 'done', reason: 'cancelled' });
    expect(done?.kind === 'done' && done.lanes.length).toBeLessThanOrEqual(1);
  });
});
