import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RnnModel } from '../../../core/models/rnn.ts';
import type { RnnCell } from '../../../core/models/config.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const cells: RnnCell[] = ['rnn', 'gru', 'lstm'];

describe.each(cells)('%s model', (cell) => {
  it('step-by-step decoding carries the state: its logits equal the full-sequence logits', () => {
    const model = new RnnModel({ family: 'rnn', cell, vocabSize: 11, embedding: 8, hidden: 12, layers: 2 }, 5);
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const full = tf.tidy(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')).arraySync()[0]!);
    const decoder = model.createDecoder();
    ids.forEach((id, t) => {
      const step = decoder.feed(id);
      for (let v = 0; v < 11; v++) expect(step[v]).toBeCloseTo(full[t]![v]!, 4);
    });
    decoder.dispose();
    model.dispose();
  });

  it('a later token never changes an earlier position’s logits', () => {
    const model = new RnnModel({ family: 'rnn', cell, vocabSize: 7, embedding: 6, hidden: 8, layers: 1 }, 2);
    const a = tf.tidy(() => model.logits(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')).arraySync()[0]!);
    const b = tf.tidy(() => model.logits(tf.tensor2d([[1, 2, 6, 0]], [1, 4], 'int32')).arraySync()[0]!);
    for (let v = 0; v < 7; v++) {
      expect(a[0]![v]).toBeCloseTo(b[0]![v]!, 6);
      expect(a[1]![v]).toBeCloseTo(b[1]![v]!, 6);
    }
    expect(a[2]).not.toEqual(b[2]);
    model.dispose();
  });

  it('has every weight trainable with a nonzero gradient and frees all its tensors', () => {
    const before = tf.memory().numTensors;
    const model = new RnnModel({ family: 'rnn', cell, vocabSize: 9, embedding: 4, hidden: 6, layers: 2 }, 3);
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    const y = tf.tensor2d([[2, 3, 4], [5, 6, 7]], [2, 3], 'int32');
    const { value, grads } = tf.variableGrads(() => model.loss(x, y), [...model.weights.values()]);
    expect(Object.keys(grads)).toHaveLength(model.weights.size);
    for (const g of Object.values(grads)) expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
    // A fresh model's loss is near log(V).
    expect(value.dataSync()[0]).toBeGreaterThan(Math.log(9) * 0.5);
    tf.dispose([value, x, y, ...Object.values(grads)]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
