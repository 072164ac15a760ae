import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskPredictConfig } from '../../../core/models/config.ts';
import { maskHalf } from '../../../core/models/halfMask.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { createRng } from '../../../core/rng.ts';
import { maskedLoss50 } from '../../../core/train/maskedLoss50.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const MASK = 99;
const windows = (batch: number, seq: number) => Int32Array.from({ length: batch * seq }, (_, i) => i % 7);

describe('maskHalf', () => {
  it('hides exactly ⌊T/2⌋ positions of every window, no prompt, and weighs exactly those', () => {
    for (const seq of [2, 7, 16, 64]) {
      const ids = windows(5, seq);
      const m = maskHalf(ids, 5, seq, MASK, createRng(3));
      expect(m.length).toBe(seq);
      for (let b = 0; b < 5; b++) {
        const row = (a: ArrayLike<number>) => Array.from(a).slice(b * seq, (b + 1) * seq);
        const hidden = row(m.masked).flatMap((id, t) => (id === MASK ? [t] : []));
        expect(hidden).toHaveLength(Math.floor(seq / 2));
        expect(row(m.weight).flatMap((w, t) => (w === 1 ? [t] : []))).toEqual(hidden);
        expect(row(m.weight).every((w) => w === 0 || w === 1)).toBe(true);
        // Visible positions keep their ids; the original is untouched.
        row(m.masked).forEach((id, t) => id !== MASK && expect(id).toBe(ids[b * seq + t]));
        expect(row(m.original)).toEqual(row(ids));
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const ids = windows(4, 32);
    const a = maskHalf(ids, 4, 32, MASK, createRng(11));
    const b = maskHalf(ids, 4, 32, MASK, createRng(11));
    const c = maskHalf(ids, 4, 32, MASK, createRng(12));
    expect(Array.from(a.masked)).toEqual(Array.from(b.masked));
    expect(Array.from(a.masked)).not.toEqual(Array.from(c.masked));
  });
});

describe('maskedLoss50', () => {
  const V = 7;
  const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', vocabSize: V, dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16 }), 4);
  const ids = Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % V);
  const shape = { batch: 3, seq: 16, evalBatches: 2 };

  it('is the same figure at every call for a seed, and a real cross-entropy', async () => {
    const before = tf.memory().numTensors;
    const a = await maskedLoss50(model, ids, shape, 7);
    const b = await maskedLoss50(model, ids, shape, 7);
    expect(a).toBe(b);
    expect(a).toBeGreaterThan(0);
    // An untrained model is near uniform over the V characters.
    expect(Math.abs(a - Math.log(V))).toBeLessThan(0.5);
    expect(await maskedLoss50(model, ids, shape, 8)).not.toBe(a);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('scores exactly the half-masked positions of each window', async () => {
    // The loss the model gives the very batches maskedLoss50 draws, masked by maskHalf.
    const spy: number[] = [];
    const probe = { maskId: model.maskId, maskedLoss: (m: Parameters<typeof model.maskedLoss>[0], t: boolean) => {
      spy.push(m.weight.reduce((s, w) => s + w, 0));
      return model.maskedLoss(m, t);
    } };
    await maskedLoss50(probe, ids, shape, 7);
    expect(spy).toEqual([3 * 8, 3 * 8]);
  });
});
