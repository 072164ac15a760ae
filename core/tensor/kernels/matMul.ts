/**
 * BatchMatMul and _FusedMatMul on the project's GEMM (register-blocked SIMD, both operands in any
 * transpose at the same speed, split across threads when big). Anything it does not handle
 * (non-float32, broadcast patterns that need tiling, prelu-like activations) goes to the kernel
 * registered before it.
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemm, splitRange } from '../wasm/gemm.ts';
import { kernelOn, kernelRuntime, type KernelRuntime } from '../wasm/runtime.ts';
import type { Task } from '../wasm/threads.ts';
import { matMulShapes, sizeOf, type MatMulShapes } from '../shapes.ts';
import { copyIn, copyOut } from './heap.ts';

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };

/** Shapes of a·b; null when the batch broadcast is not "equal or 1" (the fallback handles it). */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShapes | null {
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const p = matMulShapes(a.shape, b.shape, transposeA, transposeB);
  const { outerA, outerB, outer, batchA, batchB, batch } = p;
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return null;
  // Equal sizes but different shapes (e.g. [2,3] vs [3,2]) would need tiling too.
  if (batchA === batch && batchB === batch && batch > 1 && outerA.length > 0 && outerB.length > 0) {
    const pa = [...new Array(outer.length - outerA.length).fill(1), ...outerA];
    const pb = [...new Array(outer.length - outerB.length).fill(1), ...outerB];
    if (!pa.every((d, i) => d === outer[i]) || !pb.every((d, i) => d === outer[i])) return null;
  }
  return p;
}

/** Runs the product into fresh scratch; returns the pointer to [batch, m, n]. */
function multiply(rt: KernelRuntime, pa: number, pb: number, p: MatMulShapes, transposeA: boolean, transposeB: boolean, bias: number, relu: boolean): number {
  const { batchA, batchB, batch, m, k, n } = p;
  const pc = rt.k.allocF32(batch * m * n);
  const ars = transposeA ? 1 : k;
  const aks = transposeA ? m : 1;
  const brs = transposeB ? 1 : n;
  const bcs = transposeB ? k : 1;
  if (batch === 1 || (batchB === 1 && !transposeA)) {
    // One product: a batch of a folds into its rows.
    gemm(rt, { A: pa, ars, aks, B: pb, brs, bcs, C: pc, ldc: n, m: batchA * m, n, k, bias, relu });
    return pc;
  }
  if (bias !== 0 || relu) throw new Error('matMul: batched products take no epilogue');
  const strideA = batchA === 1 ? 0 : m * k;
  const strideB = batchB === 1 ? 0 : k * n;
  const T = batch * m * n * k >= 1 << 20 ? rt.parallelism() : 1;
  const tasks: Task[] = splitRange(batch, T, 1).map(([b0, count], t) => ({
    fn: 'gemmBatched',
    args: [pa, ars, aks, strideA, pb, brs, bcs, strideB, pc, n, m * n, b0, count, m, n, k, 0, rt.gemmWork[t]!],
  }));
  rt.run(tasks);
  return pc;
}

export function makeBatchMatMul(fallback: KernelFunc) {
  return function batchMatMul(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const a = inputs.a!;
    const b = inputs.b!;
    const rt = kernelOn('gemm') ? kernelRuntime() : null;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const p = rt && a.dtype === 'float32' && b.dtype === 'float32' ? plan(a, b, transposeA, transposeB) : null;
    if (rt == null || p == null) return fallback(args) as TensorInfo;
    return rt.k.scoped(() => {
      const pa = copyIn(rt, backend, a);
      const pb = copyIn(rt, backend, b);
      const pc = multiply(rt, pa, pb, p, transposeA, transposeB, 0, false);
      return copyOut(rt, backend, pc, p.outShape);
    });
  };
}

export function makeFusedMatMul(fallback: KernelFunc) {
  return function fusedMatMul(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const a = inputs.a!;
    const b = inputs.b!;
    const bias = inputs.bias;
    const rt = kernelOn('gemm') ? kernelRuntime() : null;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    const p = rt && a.dtype === 'float32' && b.dtype === 'float32' ? plan(a, b, transposeA, transposeB) : null;
    const supported =
      p != null &&
      (activation === 'linear' || activation === 'relu') &&
      inputs.preluActivationWeights == null &&
      (bias == null || (bias.dtype === 'float32' && sizeOf(bias.shape) === p.n && bias.shape[bias.shape.length - 1] === p.n)) &&
      (p.batch === 1 || (p.batchB === 1 && !transposeA));
    if (rt == null || p == null || !supported) return fallback(args) as TensorInfo;
    return rt.k.scoped(() => {
      const pa = copyIn(rt, backend, a);
      const pb = copyIn(rt, backend, b);
      const pbias = bias ? copyIn(rt, backend, bias) : 0;
      const pc = multiply(rt, pa, pb, p, transposeA, transposeB, pbias, activation === 'relu');
      return copyOut(rt, backend, pc, p.outShape);
    });
  };
}
