import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../core/tensor/backend.ts';
import { setKernelsEnabled } from '../../../core/tensor/projectKernels.ts';
import { TFJS_WASM_FIXES } from '../../../core/tensor/tfjsWasmFixes.ts';
import { registerWasmKernels, tfjsWasmFixesRegistered } from '../../../core/tensor/wasmKernelRegistry.ts';

// Every replaced kernel is compared with the `cpu` backend on the same inputs: values and
// gradients within 1e-4 (relative to the magnitude for values above 1).

const TOLERANCE = 1e-4;

/** A small seeded PRNG so both backends see identical inputs. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function data(shape: number[], seed: number): Float32Array {
  const next = random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next() * 2 - 1;
  return out;
}

function ints(n: number, max: number, seed: number): Int32Array {
  const next = random(seed);
  return Int32Array.from({ length: n }, () => Math.floor(next() * max));
}

type Result = { shape: number[]; values: Float32Array | Int32Array | Uint8Array };

function runOn(backend: string, f: () => tf.Tensor | tf.Tensor[]): Result[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = ([] as tf.Tensor[]).concat(f());
    return out.map((t) => ({ shape: t.shape.slice(), values: t.dataSync().slice() as Result['values'] }));
  });
}

function expectClose(got: Result[], want: Result[], label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i].shape, `${label} [${i}] shape`).toEqual(want[i].shape);
    let worst = 0;
    let at = -1;
    for (let j = 0; j < want[i].values.length; j++) {
      const w = want[i].values[j];
      const g = got[i].values[j];
      const err = Math.abs(g - w) / Math.max(1, Math.abs(w));
      if (!(err <= worst)) {
        worst = err;
        at = j;
      }
    }
    expect(worst, `${label} [${i}] worst error at ${at}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

/** Runs f on cpu and on wasm and compares every output. */
function compareWithCpu(label: string, f: () => tf.Tensor | tf.Tensor[]): void {
  const want = runOn('cpu', f);
  const got = runOn('wasm', f);
  expectClose(got, want, label);
}

function sumProduct(y: tf.Tensor, seed: number): tf.Scalar {
  // A fixed random cotangent makes every gradient entry distinct (sum() alone would not).
  return tf.sum(tf.mul(y, tf.tensor(data(y.shape, seed), y.shape)));
}

/** Tensors alive in the wasm backend (intermediates inside kernels included). */
function wasmDataIds(): number {
  return (tf.engine().findBackend('wasm') as unknown as { numDataIds(): number }).numDataIds();
}

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm' });
  expect(info.backend).toBe('wasm');
  // The project's kernels wrap several fixes; switched off, their replacements call the fixes.
  setKernelsEnabled(false);
});
afterAll(() => setKernelsEnabled(true));

const FIXED = TFJS_WASM_FIXES.map(([name]) => name);

describe('registration', () => {
  it('registers every fix on the wasm backend, once', () => {
    expect(tfjsWasmFixesRegistered()).toBe(true);
    const before = FIXED.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    registerWasmKernels();
    registerWasmKernels();
    const after = FIXED.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(after).toEqual(before);
    expect(before.every((f) => typeof f === 'function')).toBe(true);
  });
});

describe('UnsortedSegmentSum (gather / embedding gradient)', () => {
  const cases: Array<{ vocab: number; dim: number; ids: number[] }> = [
    { vocab: 11, dim: 5, ids: [3, 7] },
    { vocab: 96, dim: 16, ids: [4, 33] },
    { vocab: 7, dim: 1, ids: [50] },
    { vocab: 30, dim: 9, ids: [2, 3, 4] },
  ];
  for (const [n, c] of cases.entries()) {
    it(`embedding gather gradient, vocab ${c.vocab}, dim ${c.dim}, ids [${c.ids}]`, () => {
      const idsSize = c.ids.reduce((a, b) => a * b, 1);
      compareWithCpu('gather grad', () => {
        const table = tf.tensor2d(data([c.vocab, c.dim], 10 + n), [c.vocab, c.dim]);
        const ids = tf.tensor(ints(idsSize, c.vocab, 20 + n), c.ids, 'int32');
        const g = tf.grad((t: tf.Tensor) => sumProduct(tf.gather(t, ids), 30 + n))(table);
        return [tf.gather(table, ids), g];
      });
    });
  }

  it('embedding gradient through variableGrads', () => {
    compareWithCpu('variableGrads', () => {
      const table = tf.variable(tf.tensor2d(data([20, 8], 1), [20, 8]), true, `emb${tf.getBackend()}`);
      const ids = tf.tensor2d(ints(24, 20, 2), [4, 6], 'int32');
      const { value, grads } = tf.variableGrads(() => sumProduct(tf.gather(table, ids), 3), [table]);
      const out = [value, grads[table.name]];
      table.dispose();
      return out;
    });
  });

  it('gather along axis 1 and drops out-of-range segment ids', () => {
    compareWithCpu('gather axis 1', () => {
      const x = tf.tensor3d(data([3, 10, 4], 5), [3, 10, 4]);
      const ids = tf.tensor1d(ints(7, 10, 6), 'int32');
      return tf.grad((t: tf.Tensor) => sumProduct(tf.gather(t, ids, 1), 7))(x);
    });
    compareWithCpu('segment ids out of range', () => {
      const x = tf.tensor2d(data([6, 3], 8), [6, 3]);
      const ids = tf.tensor1d([0, -1, 4, 5, 2, 4], 'int32');
      return tf.unsortedSegmentSum(x, ids, 5);
    });
    compareWithCpu('int32 values', () => {
      const x = tf.tensor2d(ints(12, 9, 9), [4, 3], 'int32');
      return tf.unsortedSegmentSum(x, tf.tensor1d([1, 0, 1, 3], 'int32'), 4);
    });
  });
});

describe('BatchMatMul with every transpose combination', () => {
  const combos: Array<[boolean, boolean]> = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  const shapesOf = (batchA: number[], batchB: number[], m: number, k: number, n: number, ta: boolean, tb: boolean) => ({
    a: [...batchA, ...(ta ? [k, m] : [m, k])],
    b: [...batchB, ...(tb ? [n, k] : [k, n])],
  });
  // [batch of a, batch of b, m, k, n]: 2-D, small batched (stock loop), large batched
  // (depthwise path), rank-4 batched, a-only batch (one flat product), b-only batch.
  const cases: Array<[number[], number[], number, number, number]> = [
    [[], [], 5, 7, 3],
    [[], [], 37, 64, 19],
    [[3], [3], 4, 5, 6],
    [[12], [12], 17, 16, 23],
    [[2, 3], [2, 3], 9, 8, 13],
    [[4], [], 7, 6, 5],
    [[], [4], 7, 6, 5],
  ];
  for (const [ta, tb] of combos) {
    for (const [batchA, batchB, m, k, n] of cases) {
      const label = `a[${batchA}] b[${batchB}] ${m}x${k}x${n} transposeA=${ta} transposeB=${tb}`;
      it(label, () => {
        const { a, b } = shapesOf(batchA, batchB, m, k, n, ta, tb);
        // tfjs's matMul gradient does not reduce a broadcast batch, so only same-batch
        // products have gradients to compare.
        const withGrads = batchA.length === batchB.length;
        compareWithCpu(label, () => {
          const x = tf.tensor(data(a, 1), a);
          const y = tf.tensor(data(b, 2), b);
          const out: tf.Tensor[] = [tf.matMul(x, y, ta, tb)];
          if (withGrads) out.push(...tf.grads((p: tf.Tensor, q: tf.Tensor) => sumProduct(tf.matMul(p, q, ta, tb), 3))([x, y]));
          return out;
        });
      });
    }
  }

  it('broadcasts batch dims the way tf.tile would', () => {
    const a = [2, 1, 5, 4];
    const b = [1, 3, 4, 6];
    const want = runOn('cpu', () =>
      tf.matMul(tf.tile(tf.tensor(data(a, 1), a), [1, 3, 1, 1]), tf.tile(tf.tensor(data(b, 2), b), [2, 1, 1, 1])),
    );
    const got = runOn('wasm', () => tf.matMul(tf.tensor(data(a, 1), a), tf.tensor(data(b, 2), b)));
    expectClose(got, want, 'broadcast');
  });

  it('survives the same data used as b with other dims through a reshape', () => {
    // Stock wasm caches the packed b under its tensor id, which a reshape shares: this aborted
    // the whole wasm module before the fix.
    compareWithCpu('reshaped weight reuse', () => {
      const w = tf.tensor2d(data([8, 6], 1), [8, 6]);
      const first = tf.matMul(tf.tensor2d(data([3, 8], 2), [3, 8]), w);
      const second = tf.matMul(tf.tensor2d(data([5, 12], 3), [5, 12]), tf.reshape(w, [12, 4]));
      const fused = tf.fused.matMul({ a: tf.tensor2d(data([2, 16], 4), [2, 16]), b: tf.reshape(w, [16, 3]), bias: tf.ones([3]) });
      return [first, second, fused, tf.matMul(tf.tensor2d(data([3, 8], 2), [3, 8]), w)];
    });
  });

  it('attention-shaped products and their gradients', () => {
    compareWithCpu('attention', () => {
      const q = tf.tensor3d(data([8, 12, 16], 1), [8, 12, 16]);
      const k = tf.tensor3d(data([8, 12, 16], 2), [8, 12, 16]);
      const v = tf.tensor3d(data([8, 12, 16], 3), [8, 12, 16]);
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        sumProduct(tf.matMul(tf.softmax(tf.matMul(a, b, false, true)), c), 4);
      return [f(q, k, v), ...tf.grads(f)([q, k, v])];
    });
  });
});

describe('_FusedMatMul', () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  for (const activation of activations) {
    for (const [batch, ta, tb] of [
      [0, false, false],
      [0, true, true],
      [3, false, true],
      [3, true, false],
    ] as const) {
      const label = `${activation}, batch ${batch}, transposeA=${ta} transposeB=${tb}`;
      it(label, () => {
        const [m, k, n] = [6, 5, 4];
        const lead = batch > 0 ? [batch] : [];
        const a = [...lead, ...(ta ? [k, m] : [m, k])];
        const b = [...lead, ...(tb ? [n, k] : [k, n])];
        compareWithCpu(label, () => {
          const x = tf.tensor(data(a, 1), a);
          const y = tf.tensor(data(b, 2), b);
          const bias = tf.tensor1d(data([n], 3));
          const alpha = activation === 'prelu' ? tf.tensor1d(data([n], 4)) : undefined;
          const f = (p: tf.Tensor, q: tf.Tensor) =>
            tf.fused.matMul({
              a: p,
              b: q,
              transposeA: ta,
              transposeB: tb,
              bias,
              activation,
              preluActivationWeights: alpha,
              leakyreluAlpha: 0.15,
            });
          const out = [f(x, y)];
          if (activation === 'linear' || activation === 'relu') {
            out.push(...tf.grads((p: tf.Tensor, q: tf.Tensor) => sumProduct(f(p, q), 5))([x, y]));
          }
          return out;
        });
      });
    }
  }

  it('bias that is not a rank-1 vector of n values', () => {
    compareWithCpu('matrix bias', () =>
      tf.fused.matMul({
        a: tf.tensor2d(data([6, 5], 1), [6, 5]),
        b: tf.tensor2d(data([4, 5], 2), [4, 5]),
        transposeB: true,
        bias: tf.tensor2d(data([6, 4], 3), [6, 4]),
        activation: 'relu',
      }),
    );
  });
});

describe('Conv2D gradients (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
  const cases: Array<{ x: [number, number, number, number]; k: [number, number]; out: number; pad: 'same' | 'valid'; stride: number; mask?: 'A' | 'B' }> = [
    { x: [2, 7, 7, 3], k: [3, 3], out: 4, pad: 'same', stride: 1, mask: 'B' },
    { x: [3, 8, 6, 1], k: [7, 7], out: 5, pad: 'same', stride: 1, mask: 'A' },
    { x: [2, 9, 9, 4], k: [5, 3], out: 3, pad: 'same', stride: 1 },
    { x: [2, 9, 8, 3], k: [3, 3], out: 4, pad: 'valid', stride: 1 },
    { x: [2, 9, 8, 3], k: [3, 2], out: 4, pad: 'valid', stride: 2 },
    { x: [1, 10, 11, 2], k: [4, 4], out: 3, pad: 'same', stride: 3 },
    // The last row and column lie past every window: Conv2DBackpropFilter crops them.
    { x: [2, 10, 10, 2], k: [3, 3], out: 3, pad: 'valid', stride: 2 },
  ];
  /** PixelCNN masks: type A hides the centre tap, type B keeps it. */
  function maskData(kh: number, kw: number, cin: number, cout: number, type: 'A' | 'B'): Float32Array {
    const m = new Float32Array(kh * kw * cin * cout);
    const ch = Math.floor(kh / 2);
    const cw = Math.floor(kw / 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const keep = i < ch || (i === ch && (j < cw || (j === cw && type === 'B')));
        if (keep) m.fill(1, ((i * kw + j) * cin) * cout, ((i * kw + j) * cin + cin) * cout);
      }
    }
    return m;
  }
  for (const c of cases) {
    const label = `x [${c.x}], kernel ${c.k[0]}x${c.k[1]}→${c.out}, ${c.pad}, stride ${c.stride}${c.mask ? `, mask ${c.mask}` : ''}`;
    it(label, () => {
      const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.out];
      compareWithCpu(label, () => {
        const x = tf.tensor4d(data(c.x, 1), c.x);
        const w = tf.tensor4d(data(wShape, 2), wShape);
        const mask = c.mask ? tf.tensor4d(maskData(...c.k, c.x[3], c.out, c.mask), wShape) : null;
        const f = (p: tf.Tensor, q: tf.Tensor) => {
          const kernel = (mask ? tf.mul(q, mask) : q) as tf.Tensor4D;
          return sumProduct(tf.conv2d(p as tf.Tensor4D, kernel, c.stride, c.pad), 3);
        };
        return [f(x, w), ...tf.grads(f)([x, w])];
      });
    });
  }

  it('NCHW backprop kernels called directly', () => {
    const x = [2, 3, 7, 6];
    const dy = [2, 4, 7, 6];
    const filterShape = [3, 3, 3, 4];
    compareWithCpu('NCHW filter', () =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor(data(x, 1), x), dy: tf.tensor(data(dy, 2), dy) },
        { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', filterShape },
      ) as tf.Tensor,
    );
    compareWithCpu('NCHW input', () =>
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor(data(dy, 2), dy), filter: tf.tensor(data(filterShape, 3), filterShape) },
        { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', inputShape: x },
      ) as tf.Tensor,
    );
  });
});

describe('OneHot', () => {
  it('float32 one-hots honour dtype, on and off values', () => {
    compareWithCpu('oneHot float32', () => tf.oneHot(tf.tensor1d([0, 3, 2, 9, -1, 4], 'int32'), 5, 1, 0, 'float32'));
    compareWithCpu('oneHot on/off', () => tf.oneHot(tf.tensor2d([1, 0, 2, 2], [2, 2], 'int32'), 3, 0.9, -0.05, 'float32'));
    compareWithCpu('oneHot int32', () => tf.oneHot(tf.tensor1d(ints(40, 96, 1), 'int32'), 96));
    const got = runOn('wasm', () => tf.oneHot(tf.tensor1d([2], 'int32'), 3, 1, 0, 'float32'));
    expect(Array.from(got[0].values)).toEqual([0, 0, 1]);
    expect(got[0].values).toBeInstanceOf(Float32Array);
  });
});

describe('no leaks', () => {
  it('tensor and wasm data counts stay flat across repeated gradient calls', () => {
    tf.setBackend('wasm');
    const table = tf.tensor2d(data([50, 8], 1), [50, 8]);
    const ids = tf.tensor2d(ints(30, 50, 2), [5, 6], 'int32');
    const a = tf.tensor3d(data([12, 9, 16], 3), [12, 9, 16]);
    const b = tf.tensor3d(data([12, 9, 16], 4), [12, 9, 16]);
    const w2 = tf.tensor2d(data([16, 10], 5), [16, 10]);
    const x = tf.tensor4d(data([2, 8, 8, 3], 6), [2, 8, 8, 3]);
    const w = tf.tensor4d(data([3, 3, 3, 5], 7), [3, 3, 3, 5]);
    const step = () => {
      // tidy() frees the test's own temporaries (reshapes, ones); the kernels must free theirs.
      const grads = tf.tidy(() => [
        tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))(table),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, false, true)))([a, b]),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, true, false)))([a, b]),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(tf.reshape(p, [-1, 16]), q)))([a, w2]),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same')))([x, w]),
        tf.fused.matMul({ a: tf.reshape(a, [-1, 16]), b: w2, bias: tf.ones([10]), activation: 'relu' }),
        tf.oneHot(ids, 50, 1, 0, 'float32'),
      ]);
      for (const g of grads) g.dataSync();
      tf.dispose(grads);
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = wasmDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(wasmDataIds()).toBe(dataIds);
    tf.dispose([table, ids, a, b, w2, x, w]);
  });
});
