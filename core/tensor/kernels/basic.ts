/**
 * Replacements for small stock wasm kernels that training calls often:
 *
 * - `Identity` shares the data (a reference count) instead of copying it, as the cpu backend
 *   does: tfjs clones every tensor a gradient saves, and the stock wasm Identity copies.
 * - `Sum` over leading axes (bias gradients: column sums) or trailing axes (row sums) without
 *   the stock kernel's transpose; other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { splitRange } from '../wasm/gemm.ts';
import { kernelOn, kernelRuntime } from '../wasm/runtime.ts';
import { sizeOf } from '../shapes.ts';
import { copyIn, copyOut } from './heap.ts';

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };

export function makeIdentity(fallback: KernelFunc) {
  return function identity(args: Args): TensorInfo {
    const x = args.inputs.x!;
    if (!kernelOn('basic') || x.dtype === 'string') return fallback(args) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

const MIN_SUM_ELEMENTS = 1 << 14;

export function makeSum(fallback: KernelFunc) {
  return function sum(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const rt = kernelOn('basic') ? kernelRuntime() : null;
    const total = sizeOf(x.shape);
    if (rt == null || x.dtype !== 'float32' || total < MIN_SUM_ELEMENTS) return fallback(args) as TensorInfo;
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(attrs.axis as number | number[], x.shape))].sort((a, b) => a - b);
    const keepDims = Boolean(attrs.keepDims);
    if (axes.length === 0 || axes.length === rank) return fallback(args) as TensorInfo;
    const leading = axes.every((a, i) => a === i);
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (!leading && !trailing) return fallback(args) as TensorInfo;
    const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return rt.k.scoped(() => {
      const px = copyIn(rt, backend, x);
      if (leading) {
        const rows = sizeOf(x.shape.slice(0, axes.length));
        const n = total / rows;
        const po = rt.k.allocF32(n);
        const T = total >= 1 << 17 ? rt.parallelism() : 1;
        rt.run(splitRange(n, T, 16).map(([j0, cols]) => ({ fn: 'columnSumsRange', args: [px, po, rows, n, j0, cols] })));
        return copyOut(rt, backend, po, outShape);
      }
      const n = sizeOf(x.shape.slice(rank - axes.length));
      const rows = total / n;
      const po = rt.k.allocF32(rows);
      const T = total >= 1 << 17 ? rt.parallelism() : 1;
      rt.run(splitRange(rows, T, 1).map(([r0, count]) => ({ fn: 'rowSums', args: [px, po, r0, count, n] })));
      return copyOut(rt, backend, po, outShape);
    });
  };
}

/**
 * `GatherV2` (embedding lookups) as one row copy per index: the stock kernel computes every
 * element's source index and is ~50× slower on [32, 64] ids into a [96, 128] table.
 */
export function makeGather(fallback: KernelFunc) {
  return function gather(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const indices = inputs.indices!;
    const batchDims = (attrs.batchDims as number | undefined) ?? 0;
    if (!kernelOn('basic') || batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
      return fallback(args) as TensorInfo;
    }
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
    const outer = sizeOf(x.shape.slice(0, axis));
    const rows = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const idx = backend.typedArrayFromHeap(indices) as Int32Array;
    for (let i = 0; i < idx.length; i++) {
      const k = idx[i]!;
      if (!(k >= 0 && k < rows)) return fallback(args) as TensorInfo;
    }
    const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = backend.makeOutput(outShape, x.dtype);
    // Views after the allocation (it may grow the heap).
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const ids = backend.typedArrayFromHeap(indices) as Int32Array;
    const n = ids.length;
    for (let o = 0; o < outer; o++) {
      const srcBase = o * rows * inner;
      const dstBase = o * n * inner;
      for (let i = 0; i < n; i++) {
        const s = srcBase + ids[i]! * inner;
        dst.set(src.subarray(s, s + inner), dstBase + i * inner);
      }
    }
    return out;
  };
}
