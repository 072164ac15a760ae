import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskPredictConfig, TextModelChoice } from '../../../core/models/config.ts';
import { addLocalContext, createLocalTables, localOffsets } from '../../../core/models/localContext.ts';
import { DEFAULT_LOCAL_CONTEXT } from '../../../core/models/localContextConfig.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { fastDecodersAvailable } from '../../../core/tensor/inference/available.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const shape = { vocabSize: 9, dModel: 16, heads: 2, layers: 2, ffn: 32, context: 12 };
const build = (localContext: number, seed = 3) => new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...shape, localContext }), seed);
const ids = [0, 9, 3, 9, 9, 1, 8, 9, 2, 2]; // 9 = [MASK]

describe('local context embeddings of the mask-predict Transformer', () => {
  it('a stored run without the field has none; a new choice gets the measured default', () => {
    expect(MaskPredictConfig.parse({ family: 'maskPredict', ...shape }).localContext).toBe(0);
    const { vocabSize: _, ...choice } = shape;
    const parsed = TextModelChoice.parse({ family: 'maskPredict', ...choice });
    expect(parsed.family === 'maskPredict' && parsed.localContext).toBe(DEFAULT_LOCAL_CONTEXT);
    expect(build(0).weights.has('local/1')).toBe(false);
    expect([...build(2).weights.keys()].filter((k) => k.startsWith('local/')).sort()).toEqual(['local/-1', 'local/-2', 'local/1', 'local/2']);
  });

  it('adds, at each position, the embedding of the token at each offset (the padding row past the edges)', () => {
    expect(localOffsets(2)).toEqual([-2, -1, 1, 2]);
    const [left, right] = createLocalTables(1, 4, 3, 7); // rows: ids 0…3, then padding (4)
    const x = tf.zeros([1, 3, 3]) as tf.Tensor3D;
    const seq = tf.tensor2d([[2, 0, 3]], [1, 3], 'int32');
    const out = addLocalContext(x, seq, [left!, right!], 4).arraySync()[0]!;
    const row = (t: tf.Variable, i: number) => Array.from(t.dataSync().slice(i * 3, i * 3 + 3));
    const sum = (a: number[], b: number[]) => a.map((v, i) => v + b[i]!);
    const expected = [sum(row(left!.table, 4), row(right!.table, 0)), sum(row(left!.table, 2), row(right!.table, 3)), sum(row(left!.table, 0), row(right!.table, 4))];
    out.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
    tf.dispose([x, seq, left!.table, right!.table]);
  });

  it('a token sees its neighbours: changing one changes the logits next to it', () => {
    const model = build(1);
    // Attention off (zero queries, keys and values): only the input embeddings tell positions apart.
    for (const [name, v] of model.weights) if (name.includes('attn/')) v.assign(tf.zerosLike(v));
    const logits = (seq: number[]) => tf.tidy(() => model.predictTfjs(tf.tensor2d([seq], [1, seq.length], 'int32')).arraySync()[0]!);
    const a = logits([1, 2, 3, 4, 5]);
    const b = logits([1, 2, 7, 4, 5]);
    const changed = a.map((row, i) => row.some((v, j) => Math.abs(v - b[i]![j]!) > 1e-6));
    expect(changed).toEqual([false, true, true, true, false]);
    model.dispose();
  });

  it('the batch-1 engine and the rows path give the tfjs logits, and a checkpoint round trip the same logits', () => {
    const model = build(2);
    const before = tf.memory().numTensors;
    const ref = tf.tidy(() => model.predictTfjs(tf.tensor2d([ids], [1, ids.length], 'int32')));
    const refData = ref.dataSync() as Float32Array;
    if (fastDecodersAvailable()) {
      const fast = model.predict(tf.tensor2d([ids], [1, ids.length], 'int32'));
      const f = fast.dataSync();
      fast.dispose();
      for (let i = 0; i < refData.length; i++) expect(f[i]).toBeCloseTo(refData[i]!, 4);
    }
    const rows = model.predictRows(ids, [0, 4, 9]);
    rows.forEach((r, i) => Array.from(r).forEach((v, j) => expect(v).toBeCloseTo(refData[[0, 4, 9][i]! * 9 + j]!, 4)));
    const restored = build(2, 99);
    for (const [name, v] of model.weights) restored.weights.get(name)!.assign(v);
    const again = tf.tidy(() => restored.predictTfjs(tf.tensor2d([ids], [1, ids.length], 'int32')));
    expect(Array.from(again.dataSync())).toEqual(Array.from(refData));
    Array.from(restored.predictRows(ids, [4])[0]!).forEach((v, j) => expect(v).toBeCloseTo(refData[4 * 9 + j]!, 4));
    tf.dispose([ref, again]);
    restored.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});
