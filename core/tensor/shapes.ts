/**
 * Shape arithmetic shared by the kernels registered into tfjs's wasm backend (the tfjs-wasm fixes
 * in tfjsWasmFixes.ts and the project's kernels in kernels/): element counts and the shapes of a
 * (batched, broadcast, transposed) matrix product.
 */
import * as tf from '@tensorflow/tfjs';

/** Number of elements of a tensor of this shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The shapes of a·b for a [...outerA, ·, ·] and b [...outerB, ·, ·], as tfjs's matMul defines them. */
export interface MatMulShapes {
  m: number;
  k: number;
  n: number;
  /** Batch dimensions of a and b, and their broadcast. */
  outerA: number[];
  outerB: number[];
  outer: number[];
  /** Element counts of outerA, outerB and outer. */
  batchA: number;
  batchB: number;
  batch: number;
  /** [...outer, m, n] */
  outShape: number[];
}

/**
 * The shapes of a·b (with transposes); throws tfjs's own messages when the inner dimensions
 * differ or the batch dimensions do not broadcast. Both operands must have rank ≥ 2.
 */
export function matMulShapes(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): MatMulShapes {
  const aRank = aShape.length;
  const bRank = bShape.length;
  const k = transposeA ? aShape[aRank - 2]! : aShape[aRank - 1]!;
  const kB = transposeB ? bShape[bRank - 1]! : bShape[bRank - 2]!;
  const m = transposeA ? aShape[aRank - 1]! : aShape[aRank - 2]!;
  const n = transposeB ? bShape[bRank - 2]! : bShape[bRank - 1]!;
  tf.util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${aShape} and ` +
      `${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return { m, k, n, outerA, outerB, outer, batchA: sizeOf(outerA), batchB: sizeOf(outerB), batch: sizeOf(outer), outShape: [...outer, m, n] };
}
