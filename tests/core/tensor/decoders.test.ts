import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskPredictConfig, RnnConfig, TransformerConfig } from '../../../core/models/config.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { TransformerModel } from '../../../core/models/transformer.ts';
import { EngineWindowForward, TfjsWindowForward, WindowedDecoder } from '../../../core/models/transformerDecoders.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import type { Decoder } from '../../../core/models/textModel.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { kernelRuntime } from '../../../core/tensor/wasm/runtime.ts';
import { fastDecodersAvailable } from '../../../core/tensor/inference/available.ts';
import { WasmRnnDecoder } from '../../../core/tensor/inference/rnnDecoder.ts';
import { TransformerEngine } from '../../../core/tensor/inference/transformerEngine.ts';
import { random } from './fusedHelpers.ts';

// The batch-1 WebAssembly decoders give the tfjs path's logits (within 1e-4) token after token.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  expect(fastDecodersAvailable()).toBe(true);
});

function compareDecoders(fast: Decoder, reference: Decoder, tokens: number[], label: string): void {
  let worst = 0;
  for (const [i, id] of tokens.entries()) {
    const a = fast.feed(id);
    const b = reference.feed(id);
    expect(a.length, label).toBe(b.length);
    for (let v = 0; v < b.length; v++) worst = Math.max(worst, Math.abs(a[v]! - b[v]!) / Math.max(1, Math.abs(b[v]!)));
    expect(worst, `${label}: token ${i}`).toBeLessThanOrEqual(1e-4);
  }
  fast.dispose();
  reference.dispose();
}

describe('recurrent decoders', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const [layers, hidden, embedding] of [[1, 256, 128], [2, 37, 10], [3, 16, 8]] as const) {
      it(`${cell}, ${layers} layer(s), hidden ${hidden}`, () => {
        const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell, vocabSize: 41, embedding, hidden, layers }), 7);
        const next = random(layers * 100 + hidden);
        const tokens = Array.from({ length: 40 }, () => Math.floor(next() * 41));
        const fast = model.createDecoder();
        expect(fast).toBeInstanceOf(WasmRnnDecoder);
        compareDecoders(fast, model.createDecoder({ tfjs: true }), tokens, `${cell}/${layers}/${hidden}`);
        model.dispose();
      });
    }
  }

  it('rejects a token outside the vocabulary', () => {
    const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell: 'lstm', vocabSize: 5, embedding: 4, hidden: 8, layers: 1 }), 1);
    const d = model.createDecoder();
    expect(() => d.feed(5)).toThrow(/outside the vocabulary/);
    d.dispose();
    model.dispose();
  });

  it('decoders of one model share its weights: each keeps its own state, also past the shared memory’s room (70 live at once)', () => {
    const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell: 'gru', vocabSize: 13, embedding: 6, hidden: 12, layers: 2 }), 5);
    const next = random(9);
    const live = Array.from({ length: 70 }, () => ({ decoder: model.createDecoder(), tokens: [] as number[], logits: null as Float32Array | null }));
    // Interleaved: every decoder one token in turn, each its own sequence.
    for (let step = 0; step < 6; step++) {
      for (const d of live) {
        const id = Math.floor(next() * 13);
        d.tokens.push(id);
        d.logits = d.decoder.feed(id);
      }
    }
    for (const i of [0, 33, 63, 64, 69]) {
      const reference = model.createDecoder({ tfjs: true });
      let want: Float32Array | null = null;
      for (const id of live[i]!.tokens) want = reference.feed(id);
      reference.dispose();
      live[i]!.logits!.forEach((x, v) => expect(Math.abs(x - want![v]!), `decoder ${i}`).toBeLessThan(1e-4));
    }
    for (const d of live) d.decoder.dispose();
    // A disposed decoder's state is reused: a new one starts empty.
    const fresh = model.createDecoder();
    const reference = model.createDecoder({ tfjs: true });
    compareDecoders(fresh, reference, [1, 2, 3], 'after disposal');
    model.dispose();
  });

  it('a decoder made after the weights change sees the new weights; one made before keeps the old', () => {
    const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell: 'lstm', vocabSize: 11, embedding: 6, hidden: 10, layers: 1 }), 3);
    const before = model.createDecoder();
    const old = before.feed(4);
    const outB = model.weights.get('out/b')!;
    outB.assign(tf.add(outB, 1));
    const after = model.createDecoder();
    const shifted = after.feed(4);
    shifted.forEach((x, v) => expect(x).toBeCloseTo(old[v]! + 1, 4));
    // The old decoder's next step still uses the weights it started with.
    const again = model.createDecoder({ tfjs: true });
    const stepNew = (again.feed(4), again.feed(2));
    const stepOld = before.feed(2);
    stepOld.forEach((x, v) => expect(x).toBeCloseTo(stepNew[v]! - 1, 4));
    for (const d of [before, after, again]) d.dispose();
    model.dispose();
  });

  it('leaves no tensors behind', () => {
    const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell: 'gru', vocabSize: 9, embedding: 4, hidden: 8, layers: 2 }), 1);
    const before = tf.memory().numTensors;
    const d = model.createDecoder();
    for (let i = 0; i < 5; i++) d.feed(i);
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('Transformer decoders', () => {
  const config = (tied: boolean, context = 8) =>
    TransformerConfig.parse({ family: 'transformer', vocabSize: 23, dModel: 16, heads: 4, layers: 2, ffn: 40, context, tiedOutput: tied });

  for (const tied of [true, false]) {
    for (const cache of [true, false]) {
      it(`${cache ? 'KV cache' : 'recomputing'}, ${tied ? 'tied' : 'untied'} output, across window slides`, () => {
        const model = new TransformerModel(config(tied), 11);
        const next = random(tied ? 1 : 2);
        const tokens = Array.from({ length: 30 }, () => Math.floor(next() * 23));
        const fast = model.createDecoder({ cache }) as WindowedDecoder;
        const reference = model.createDecoder({ cache, tfjs: true }) as WindowedDecoder;
        for (const [decoder, backend] of [[fast, EngineWindowForward], [reference, TfjsWindowForward]] as const) {
          expect(decoder).toBeInstanceOf(WindowedDecoder);
          expect(decoder.forward).toBeInstanceOf(backend);
          expect(decoder.cache).toBe(cache);
        }
        compareDecoders(fast, reference, tokens, `${cache}/${tied}`);
        model.dispose();
      });
    }
  }

  it('feedMany and truncate (speculative decoding) agree with the tfjs decoder', () => {
    const model = new TransformerModel(config(true, 16), 12);
    const fast = model.createDecoder();
    const ref = model.createDecoder({ tfjs: true });
    const next = random(3);
    const close = (a: Float32Array[], b: Float32Array[]) => {
      expect(a.length).toBe(b.length);
      a.forEach((row, i) => row.forEach((x, v) => expect(Math.abs(x - b[i]![v]!)).toBeLessThan(1e-4)));
    };
    for (let round = 0; round < 12; round++) {
      const draft = Array.from({ length: 1 + Math.floor(next() * 5) }, () => Math.floor(next() * 23));
      close(fast.feedMany(draft), ref.feedMany(draft));
      const keep = Math.max(0, fast.length - Math.floor(next() * 4));
      fast.truncate(keep);
      ref.truncate(keep);
      expect(fast.length).toBe(ref.length);
    }
    fast.dispose();
    ref.dispose();
    model.dispose();
  });

  it('128-wide, 4 heads, context 64 (the bench shape), 100 tokens', () => {
    const model = new TransformerModel(TransformerConfig.parse({ family: 'transformer', vocabSize: 96, dModel: 128, heads: 4, layers: 2, ffn: 512, context: 64 }), 13);
    const next = random(4);
    const tokens = Array.from({ length: 100 }, () => Math.floor(next() * 96));
    compareDecoders(model.createDecoder(), model.createDecoder({ tfjs: true }), tokens, 'bench shape');
    model.dispose();
  });
});

describe('mask-predict inference engine', () => {
  it('predict on one sequence equals the tfjs forward, also after the weights change', () => {
    const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', vocabSize: 19, dModel: 24, heads: 3, layers: 2, ffn: 40, context: 20 }), 4);
    for (const [round, L] of [[0, 20], [1, 7], [2, 1]] as const) {
      const ids = tf.tensor2d([Array.from({ length: L }, (_, i) => (i * 7 + round) % 20)], [1, L], 'int32');
      const fast = model.predict(ids);
      const ref = model.predictTfjs(ids);
      const a = fast.dataSync();
      const b = ref.dataSync();
      expect(fast.shape).toEqual(ref.shape);
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4);
      tf.dispose([ids, fast, ref]);
      // change a weight: the engine must see it
      const w = model.weights.get('block0/ffn/w1')!;
      w.assign(tf.mul(w, 1.1));
    }
    model.dispose();
  });

  it('logits of chosen rows only (the last block carries just those) equal the full forward', () => {
    for (const layers of [1, 2]) {
      const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', vocabSize: 19, dModel: 24, heads: 3, layers, ffn: 40, context: 20 }), 5);
      const ids = Array.from({ length: 20 }, (_, i) => (i % 4 === 1 ? 19 : (i * 5) % 19)); // 19: [MASK]
      const ref = model.predictTfjs(tf.tensor2d([ids], [1, 20], 'int32'));
      const all = ref.dataSync();
      ref.dispose();
      for (const rows of [[3], [0, 19], [17, 2, 9, 2], [...Array(20).keys()]]) {
        const got = model.predictRows(ids, rows);
        expect(got).toHaveLength(rows.length);
        rows.forEach((r, i) => {
          for (let v = 0; v < 19; v++) expect(Math.abs(got[i]![v]! - all[r * 19 + v]!), `layers ${layers}, row ${r}`).toBeLessThan(1e-4);
        });
      }
      model.dispose();
    }
  });
});

describe('engine memory', () => {
  const shape = { family: 'transformer' as const, vocabSize: 23, dModel: 16, heads: 4, layers: 2, ffn: 40, context: 8 };

  it('decoders give their shared memory back when disposed, in any order; the model gives back the weights', () => {
    const rt = kernelRuntime()!;
    const before = rt.k.persistentBytes;
    const model = new TransformerModel(TransformerConfig.parse(shape), 1);
    const a = model.createDecoder();
    const b = model.createDecoder({ cache: false });
    a.feed(1);
    b.feed(2);
    expect(rt.k.persistentBytes).toBeGreaterThan(before);
    a.dispose();
    expect(() => b.feed(3)).not.toThrow();
    b.dispose();
    model.dispose();
    expect(rt.k.persistentBytes).toBe(before);
  });

  it('decoders of one model share its weights: a second decoder costs only its caches', () => {
    const rt = kernelRuntime()!;
    const model = new TransformerModel(TransformerConfig.parse({ ...shape, dModel: 64, ffn: 256 }), 1);
    const base = rt.k.persistentBytes;
    const a = model.createDecoder();
    const first = rt.k.persistentBytes - base;
    const b = model.createDecoder();
    const second = rt.k.persistentBytes - base - first;
    // The weights (2 layers × ~50k floats, twice: as given and packed) are most of the first.
    expect(second).toBeGreaterThan(0);
    expect(second * 3).toBeLessThan(first);
    const ref = model.createDecoder({ tfjs: true });
    compareDecoders(b, ref, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'second decoder');
    for (const d of [a, b, ref]) d.dispose();
    model.dispose();
  });

  it('a decoder keeps the weights it started with; one made after a change sees the new weights', () => {
    const model = new TransformerModel(TransformerConfig.parse(shape), 3);
    const tokens = [1, 5, 2, 7, 3, 9, 4, 11, 6, 12];
    const oldDecoder = model.createDecoder();
    oldDecoder.feed(tokens[0]!);
    const oldRef = model.createDecoder({ tfjs: true });
    const oldLogits = tokens.map((id) => oldRef.feed(id));
    oldRef.dispose();
    // Change every weight (as a training step does: new tensors behind the same variables).
    for (const v of model.weights.values()) v.assign(tf.tidy(() => tf.add(v, tf.mul(0.1, tf.randomNormal(v.shape, 0, 1, 'float32', 7)))));
    const newDecoder = model.createDecoder();
    const newRef = model.createDecoder({ tfjs: true });
    compareDecoders(newDecoder, newRef, tokens, 'after the change');
    let worst = 0;
    tokens.slice(1).forEach((id, i) => {
      const got = oldDecoder.feed(id);
      for (let v = 0; v < got.length; v++) worst = Math.max(worst, Math.abs(got[v]! - oldLogits[i + 1]![v]!));
    });
    expect(worst).toBeLessThan(1e-4);
    for (const d of [oldDecoder, newDecoder, newRef]) d.dispose();
    model.dispose();
  });

  it('a fork of an engine in a private memory gives the same logits as the engine', () => {
    const [D, F, C, V] = [16, 40, 8, 23];
    const next = random(1);
    const r = (n: number) => Float32Array.from({ length: n }, () => (next() - 0.5) * 0.6);
    const block = () => ({ ln1g: r(D), ln1b: r(D), wqkv: r(D * 3 * D), bqkv: r(3 * D), wo: r(D * D), bo: r(D), ln2g: r(D), ln2b: r(D), w1: r(D * F), b1: r(F), w2: r(F * D), b2: r(D) });
    const weights = { dModel: D, heads: 4, ffn: F, context: C, outputs: V, tokEmb: r(V * D), posEmb: r(C * D), blocks: [block(), block()], lnFg: r(D), lnFb: r(D), outW: null, outB: r(V) };
    const engine = new TransformerEngine(weights, { shared: false });
    const fork = engine.fork();
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const a = engine.forward(ids, 0, true, ids.length);
    engine.dispose(); // the fork has weights of its own
    const b = fork.forward(ids, 0, true, ids.length);
    a.forEach((row, i) => row.forEach((x, v) => expect(Math.abs(x - b[i]![v]!)).toBeLessThan(1e-6)));
    fork.dispose();
    expect(() => fork.forward(ids, 0, true)).toThrow(/disposed/);
  });
});
