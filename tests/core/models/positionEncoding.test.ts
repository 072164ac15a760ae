import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskPredictConfig, TextModelChoice } from '../../../core/models/config.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { DEFAULT_POSITION_ENCODING, SINUSOID_SCALE, sinusoidalPositions, type PositionEncoding } from '../../../core/models/positionEncoding.ts';
import { fastDecodersAvailable } from '../../../core/tensor/inference/available.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const shape = { vocabSize: 9, dModel: 16, heads: 2, layers: 2, ffn: 32, context: 12 };
const build = (positions: PositionEncoding, seed = 3) => new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...shape, positions }), seed);
const ids = [0, 9, 3, 9, 9, 1, 8, 9, 2, 2]; // 9 = [MASK]

describe('position encodings of the mask-predict Transformer', () => {
  it('builds the sinusoidal table by the formula', () => {
    const t = sinusoidalPositions(5, 4);
    expect(t).toHaveLength(20);
    expect(t[0]).toBe(0); // sin 0
    expect(t[1]).toBe(1); // cos 0
    expect(t[3 * 4 + 0]).toBeCloseTo(Math.sin(3), 6);
    expect(t[3 * 4 + 3]).toBeCloseTo(Math.cos(3 / 100), 6); // pair 1: 10000^(2/4) = 100
  });

  it('a stored run without the field keeps its learned table; a new choice gets the measured default', () => {
    expect(MaskPredictConfig.parse({ family: 'maskPredict', ...shape }).positions).toBe('learned');
    const { vocabSize: _, ...choice } = shape;
    const parsed = TextModelChoice.parse({ family: 'maskPredict', ...choice });
    expect(parsed.family === 'maskPredict' && parsed.positions).toBe(DEFAULT_POSITION_ENCODING);
    expect(MaskPredictConfig.safeParse({ family: 'maskPredict', ...shape, positions: 'rotary' }).success).toBe(false);
  });

  it('fixed sinusoids are no weight; the learned variants train a [context, D] table', () => {
    const models = (['learned', 'sinusoidal', 'learnedSinusoidal'] as const).map((p) => build(p));
    const [learned, fixed, fromSinusoid] = models;
    expect(fixed!.weights.has('pos_emb')).toBe(false);
    for (const m of [learned!, fromSinusoid!]) expect(m.weights.get('pos_emb')!.shape).toEqual([12, 16]);
    const start = fromSinusoid!.weights.get('pos_emb')!.dataSync();
    expect(Array.from(start)).toEqual(Array.from(sinusoidalPositions(12, 16, SINUSOID_SCALE)));
    for (const m of models) m.dispose();
  });

  for (const positions of ['learned', 'sinusoidal', 'learnedSinusoidal'] as const) {
    it(`${positions}: the batch-1 engine and the rows path give the tfjs logits, and a checkpoint round trip the same logits`, () => {
      const model = build(positions);
      const before = tf.memory().numTensors;
      const ref = tf.tidy(() => model.predictTfjs(tf.tensor2d([ids], [1, ids.length], 'int32')));
      const refData = ref.dataSync() as Float32Array;
      if (fastDecodersAvailable()) {
        const fast = model.predict(tf.tensor2d([ids], [1, ids.length], 'int32'));
        const f = fast.dataSync();
        fast.dispose();
        for (let i = 0; i < refData.length; i++) expect(f[i]).toBeCloseTo(refData[i]!, 4);
      }
      const rows = model.predictRows(ids, [1, 4, 7]);
      rows.forEach((r, i) => Array.from(r).forEach((v, j) => expect(v).toBeCloseTo(refData[[1, 4, 7][i]! * 9 + j]!, 4)));
      // Checkpoint round trip: a fresh model (other seed) given these weights computes the same logits.
      const restored = build(positions, 99);
      expect([...restored.weights.keys()]).toEqual([...model.weights.keys()]);
      for (const [name, v] of model.weights) restored.weights.get(name)!.assign(v);
      const again = tf.tidy(() => restored.predictTfjs(tf.tensor2d([ids], [1, ids.length], 'int32')));
      expect(Array.from(again.dataSync())).toEqual(Array.from(refData));
      const againFast = restored.predictRows(ids, [4]);
      Array.from(againFast[0]!).forEach((v, j) => expect(v).toBeCloseTo(refData[4 * 9 + j]!, 4));
      tf.dispose([ref, again]);
      restored.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    });
  }
});
