import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerConfig } from '../../../core/models/config.ts';
import { TransformerModel } from '../../../core/models/transformer.ts';
import { windowStart } from '../../../core/models/transformerDecoders.ts';
import { createRng } from '../../../core/rng.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const config = (overrides: Partial<TransformerConfig> = {}) =>
  TransformerConfig.parse({ family: 'transformer', vocabSize: 17, dModel: 16, heads: 4, layers: 2, ffn: 32, context: 8, ...overrides });

function randomIds(n: number, seed: number, v = 17): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Math.floor(rng.next() * v));
}

function fullLogits(model: TransformerModel, ids: number[]): number[][] {
  return tf.tidy(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')).arraySync()[0]!);
}

describe('TransformerModel', () => {
  it('is causal: changing any token after position i never changes the logits at positions ≤ i', () => {
    const model = new TransformerModel(config(), 3);
    const ids = randomIds(8, 1);
    const base = fullLogits(model, ids);
    for (let i = 0; i < 7; i++) {
      const changed = [...ids];
      for (let j = i + 1; j < 8; j++) changed[j] = (changed[j]! + 5) % 17;
      const after = fullLogits(model, changed);
      for (let t = 0; t <= i; t++) for (let v = 0; v < 17; v++) expect(after[t]![v]).toBeCloseTo(base[t]![v]!, 5);
      // …and the position right after does change.
      expect(after[i + 1]).not.toEqual(base[i + 1]);
    }
    model.dispose();
  });

  it('the KV cache gives the same logits as recomputing the window, also after the window slides', () => {
    const model = new TransformerModel(config(), 4);
    const ids = randomIds(30, 2);
    const cached = model.createDecoder();
    const naive = model.createDecoder({ cache: false });
    let maxDiff = 0;
    ids.forEach((id, n) => {
      const a = cached.feed(id);
      const b = naive.feed(id);
      // Recompute from scratch over the documented window as a third opinion.
      const start = windowStart(n + 1, 8);
      const c = fullLogits(model, ids.slice(start, n + 1)).at(-1)!;
      for (let v = 0; v < 17; v++) maxDiff = Math.max(maxDiff, Math.abs(a[v]! - b[v]!), Math.abs(a[v]! - c[v]!));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    cached.dispose();
    naive.dispose();
    model.dispose();
  });

  it('windows slide by half a context and never exceed it', () => {
    expect([1, 8, 9, 10, 12, 13, 17].map((n) => windowStart(n, 8))).toEqual([0, 0, 4, 4, 4, 8, 12]);
    for (let n = 1; n < 100; n++) expect(n - windowStart(n, 8)).toBeLessThanOrEqual(8);
  });

  it('feeds several tokens in one pass and rolls back, matching one-by-one decoding', () => {
    const model = new TransformerModel(config(), 5);
    const ids = randomIds(20, 3);
    const ref = model.createDecoder();
    const refLogits = ids.map((id) => ref.feed(id));
    const dec = model.createDecoder();
    dec.feedMany(ids.slice(0, 3));
    const batch = dec.feedMany(ids.slice(3, 7)); // crosses no slide (window 8)
    batch.forEach((l, i) => l.forEach((x, v) => expect(x).toBeCloseTo(refLogits[3 + i]![v]!, 4)));
    dec.truncate(5); // reject the last two
    expect(dec.length).toBe(5);
    const again = dec.feedMany(ids.slice(5, 20)); // crosses slides
    again.forEach((l, i) => l.forEach((x, v) => expect(x).toBeCloseTo(refLogits[5 + i]![v]!, 4)));
    dec.truncate(9); // back across a slide
    const last = dec.feed(ids[9]!);
    last.forEach((x, v) => expect(x).toBeCloseTo(refLogits[9]![v]!, 4));
    ref.dispose();
    dec.dispose();
    model.dispose();
  });

  it('leaks no tensors while decoding', () => {
    const model = new TransformerModel(config(), 6);
    const session = () => {
      const dec = model.createDecoder();
      dec.feedMany(randomIds(20, 10));
      dec.truncate(12);
      dec.feed(3);
      dec.dispose();
    };
    session(); // warms the model's bounded cache of square causal masks
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) session();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
