import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Values and gradients must agree within this (relative to the magnitude above 1). */
export const TOLERANCE = 1e-4;

/** A small seeded PRNG so every run (and both paths) see the same inputs. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const next = random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * scale;
  return tf.tensor(out, shape);
}

export function randInt(shape: number[], max: number, seed: number): tf.Tensor {
  const next = random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Int32Array.from({ length: n }, () => Math.floor(next() * max)), shape, 'int32');
}

/** A random integer in [lo, hi]. */
export function pick(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

export function expectClose(got: tf.Tensor, want: tf.Tensor, label: string, tolerance = TOLERANCE): void {
  expect(got.shape, `${label} shape`).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  let worst = 0;
  let at = -1;
  for (let i = 0; i < w.length; i++) {
    const err = Math.abs(g[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${label}: worst error at ${at} (got ${g[at]}, want ${w[at]})`).toBeLessThanOrEqual(tolerance);
}

/** A fixed random cotangent, so every gradient entry matters (sum() alone would not). */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, randn(y.shape, seed))) as tf.Scalar;
}

/**
 * Compares an op with its reference: the value and the gradient with respect to every input.
 */
export function compareOp(label: string, inputs: tf.Tensor[], fused: (...x: tf.Tensor[]) => tf.Tensor, reference: (...x: tf.Tensor[]) => tf.Tensor, seed = 99): void {
  tf.tidy(() => {
    const yf = fused(...inputs);
    const yr = reference(...inputs);
    expectClose(yf, yr, `${label} value`);
    const gf = tf.grads((...x: tf.Tensor[]) => weightedSum(fused(...x), seed))(inputs);
    const gr = tf.grads((...x: tf.Tensor[]) => weightedSum(reference(...x), seed))(inputs);
    gf.forEach((g, i) => expectClose(g, gr[i]!, `${label} gradient ${i}`));
  });
}
