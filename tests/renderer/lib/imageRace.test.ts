import { describe, expect, it } from 'vitest';
import { applyRaceEvent, imageRaceParams, newRaceLanes, raceSampleRgba } from '../../../renderer/src/lib/imageRace.ts';
import { sampleColours } from '../../../renderer/src/lib/pixelSamples.ts';

const known = { values: new Uint8Array(784).fill(1, 0, 28), mask: new Uint8Array(784).fill(1, 0, 14 * 28) };

describe('the image race, on screen', () => {
  it('builds the request and refuses what cannot race', () => {
    expect(imageRaceParams('ar', 'nar', { samples: 4, iterations: 8, seed: 1, choiceNoise: 2 }, known)).toMatchObject({ ok: true, params: { arRunId: 'ar', narRunId: 'nar', options: { samples: 4, iterations: 8, choiceNoise: 2 } } });
    expect(imageRaceParams('ar', 'nar', { samples: 4, iterations: 8, seed: 1, choiceNoise: -1 }, known).ok).toBe(false);
    expect(imageRaceParams(null, 'nar', { samples: 4, iterations: 8, seed: 1, choiceNoise: 2 }, known)).toMatchObject({ ok: false, message: expect.stringMatching(/PixelCNN/) });
    expect(imageRaceParams('ar', null, { samples: 4, iterations: 8, seed: 1, choiceNoise: 2 }, known)).toMatchObject({ ok: false, message: expect.stringMatching(/masked image model/) });
    expect(imageRaceParams('ar', 'nar', { samples: 17, iterations: 8, seed: 1, choiceNoise: 2 }, known).ok).toBe(false);
    const all = { values: new Uint8Array(784), mask: new Uint8Array(784).fill(1) };
    expect(imageRaceParams('ar', 'nar', { samples: 4, iterations: 8, seed: 1, choiceNoise: 2 }, all)).toMatchObject({ ok: false, message: expect.stringMatching(/nothing to draw/) });
  });

  it('fills each lane from its frames and its result, keeping the known pixels as they are', () => {
    const lanes = newRaceLanes(2, 8, known);
    expect(lanes.map((l) => l.label)).toEqual(['PixelCNN, raster order', 'Masked model, one pass (T=1)', 'Masked model, mask-predict (T=8)']);
    const colours = sampleColours(false);
    // Before anything is drawn: known ink, known paper, and pending below.
    const start = raceSampleRgba(lanes[2]!, known.mask, 1, colours);
    expect([...start.subarray(0, 3)]).toEqual(colours.cells[1]);
    expect([...start.subarray(28 * 4, 28 * 4 + 3)]).toEqual(colours.cells[0]);
    expect([...start.subarray(14 * 28 * 4, 14 * 28 * 4 + 3)]).toEqual(colours.cells[3]);
    const images = new Uint8Array(2 * 784).fill(1);
    const pending = new Uint8Array(2 * 784);
    expect(applyRaceEvent(lanes, { kind: 'image-race-frame', lane: 'nar-tk', images, pending, passes: 3, laneMs: 12 })).toBe(true);
    expect(lanes[2]).toMatchObject({ passes: 3, laneMs: 12, result: null });
    const drawn = raceSampleRgba(lanes[2]!, known.mask, 1, colours);
    expect([...drawn.subarray(14 * 28 * 4, 14 * 28 * 4 + 3)]).toEqual(colours.cells[2]);
    expect(applyRaceEvent(lanes, { kind: 'image-race-lane', lane: 'nar-tk', label: 'x', passes: 8, wallMs: 40, nll: 90, nlls: [80, 100], cancelled: false, images })).toBe(true);
    expect(lanes[2]!.result).toMatchObject({ passes: 8, wallMs: 40, nll: 90 });
    expect(applyRaceEvent(lanes, { kind: 'notice', message: 'hi' })).toBe(false);
  });
});
