import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { setKernelsEnabled } from '../../../core/tensor/projectKernels.ts';
import { projectKernelsActive } from '../../../core/tensor/wasmKernelRegistry.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { expectClose, randn } from './fusedHelpers.ts';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  expect(projectKernelsActive()).toBe(true);
});

/** The same computation with the project's kernels off (stock tfjs-wasm kernels). */
function stock<T>(f: () => T): T {
  setKernelsEnabled(false);
  try {
    return f();
  } finally {
    setKernelsEnabled(true);
  }
}

describe('Sum', () => {
  const cases: [number[], number | number[], boolean][] = [
    [[2048, 384], 0, false],
    [[2048, 384], [0], true],
    [[32, 64, 128], [0, 1], false],
    [[32, 64, 128], [0, 1], true],
    [[32, 64, 130], 2, false],
    [[64, 64, 17], [1, 2], true],
    [[300, 77], -1, false],
    [[40, 50, 60], 1, false], // a middle axis: the stock kernel
    [[5, 7], 0, false], // small: the stock kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`[${shape}] axis ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}`, () => {
      const x = randn(shape, shape.length * 7 + shape[0]!);
      const got = tf.sum(x, axis, keepDims);
      const want = stock(() => tf.sum(x, axis, keepDims));
      expectClose(got, want, 'sum');
      tf.dispose([x, got, want]);
    });
  }

  it('bias gradients through add', () => {
    const x = randn([2048, 96], 1);
    const b = randn([96], 2);
    const dy = randn([2048, 96], 3);
    const f = (b: tf.Tensor) => tf.sum(tf.mul(tf.add(x, b), dy));
    const got = tf.grad(f)(b);
    const want = stock(() => tf.grad(f)(b));
    expectClose(got, want, 'db');
  });
});

describe('Identity', () => {
  it('clones share data but live independently', () => {
    const x = randn([100, 100], 4);
    const before = x.dataSync().slice();
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(before));
    const z = tf.clone(y);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual(Array.from(before));
    z.dispose();
  });

  it('a variable assigned a clone keeps its value when the source is disposed', () => {
    const v = tf.variable(tf.zeros([3, 3]), true, 'identity-test');
    const src = randn([3, 3], 5);
    const values = src.dataSync().slice();
    v.assign(tf.clone(src));
    src.dispose();
    expect(Array.from(v.dataSync())).toEqual(Array.from(values));
    v.dispose();
  });
});

describe('GatherV2', () => {
  const cases: [number[], number[], number][] = [
    [[96, 128], [32, 64], 0],
    [[97, 5], [7], 0],
    [[3, 10, 4], [6], 1],
    [[4, 5, 6], [2, 3], 2],
  ];
  for (const [shape, idShape, axis] of cases) {
    it(`[${shape}] by ids [${idShape}] on axis ${axis}, with its gradient`, () => {
      const x = randn(shape, shape[0]!);
      const n = idShape.reduce((a, b) => a * b, 1);
      const ids = tf.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % shape[axis]!), idShape, 'int32');
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids, axis), randn([...shape.slice(0, axis), ...idShape, ...shape.slice(axis + 1)], 9)));
      expectClose(tf.gather(x, ids, axis), stock(() => tf.gather(x, ids, axis)), 'gather');
      expectClose(tf.grad(f)(x), stock(() => tf.grad(f)(x)), 'gather gradient');
    });
  }
  it('int32 tables', () => {
    const x = tf.tensor2d(Int32Array.from({ length: 60 }, (_, i) => i * 3), [20, 3], 'int32');
    const ids = tf.tensor1d([19, 0, 5, 5], 'int32');
    expect(Array.from(tf.gather(x, ids).dataSync())).toEqual([171, 174, 177, 0, 3, 6, 45, 48, 51, 45, 48, 51]);
  });
});
