/**
 * Stride-1 NHWC convolutions on the project's GEMM (threads split the rows; each runs im2col and
 * the product a cache-sized block of rows at a time): `Conv2D`, `FusedConv2D` (bias, relu), `Conv2DBackpropInput` and `Conv2DBackpropFilter`.
 * A tap whose weights are all exactly zero (what a PixelCNN mask leaves) is skipped in the
 * forward and input-gradient products — the same sums without the zero terms. Strides,
 * dilations, NCHW and other activations go to the kernels registered before.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemm, splitRange } from '../wasm/gemm.ts';
import { kernelOn, kernelRuntime, type KernelRuntime } from '../wasm/runtime.ts';
import { sizeOf } from '../shapes.ts';
import { copyIn, copyOut } from './heap.ts';

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * Floats of one thread's im2col block: small enough that a block is still in cache (L2) when the
 * product reads it back, right after it was written.
 */
const BLOCK_FLOATS = 1 << 16;
/** Multiply-adds below which a convolution stays on one thread. */
const PARALLEL_MIN_WORK = 1 << 21;
/**
 * Per filter (by data id: tensor data never changes), the open taps and their weights laid out
 * for the product, so small convolutions (one position a call while sampling) pay no set-up.
 * Every convolution of a shape runs this same arithmetic whatever its batch or image size, so a
 * position gets bit-identical results from a whole-image pass and from a patch around it.
 */
const forwardCache = new WeakMap<object, { taps: [number, number][]; wcol: Float32Array }>();
const inputGradCache = new WeakMap<object, { taps: [number, number][]; wt: Float32Array }>();

function runtime(): KernelRuntime | null {
  return kernelOn('conv') ? kernelRuntime() : null;
}

function convInfo(xShape: number[], filterShape: number[], attrs: NamedAttrMap): tf.backend_util.Conv2DInfo | null {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  const ok =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1;
  return ok ? info : null;
}

/** Taps (ky, kx) whose Cin×Cout weights are not all zero; all taps when `weights` is null. */
function openTaps(KH: number, KW: number, block: number, weights: Float32Array | null): [number, number][] {
  const taps: [number, number][] = [];
  for (let ky = 0; ky < KH; ky++) {
    for (let kx = 0; kx < KW; kx++) {
      if (weights == null) {
        taps.push([ky, kx]);
        continue;
      }
      const base = (ky * KW + kx) * block;
      for (let i = 0; i < block; i++) {
        if (weights[base + i] !== 0) {
          taps.push([ky, kx]);
          break;
        }
      }
    }
  }
  return taps;
}

function putTaps(rt: KernelRuntime, offsets: [number, number][]): number {
  const p = rt.k.alloc(Math.max(1, offsets.length) * 8);
  rt.k.i32.set(offsets.flat(), p >> 2);
  return p;
}

/** Rows of an im2col block with K columns: a multiple of 16, 16 … 1024. */
function blockRows(K: number): number {
  return Math.max(16, Math.min(1024, Math.floor(BLOCK_FLOATS / Math.max(1, K) / 16) * 16));
}

/** Threads for a product of M×K×N multiply-adds, and each one's rows (aligned to 16). */
function rowShares(rt: KernelRuntime, M: number, K: number, N: number): [number, number][] {
  const T = M * K * N >= PARALLEL_MIN_WORK ? rt.parallelism() : 1;
  return splitRange(M, T, 16);
}

/**
 * out [M, N] (+ bias, relu) = im2col(src over `offsets`) · Wcol, or src · Wcol directly for a
 * 1×1 tap at offset 0. Each thread runs its rows a cache-sized block at a time (im2col, then the
 * product over pre-packed weights: convRows), so the im2col never goes out to memory.
 */
function convProduct(
  rt: KernelRuntime,
  src: number, H: number, W: number, C: number, OH: number, OW: number, B: number,
  offsets: [number, number][], wcol: number, N: number, out: number, bias: number, relu: boolean,
): void {
  const M = B * OH * OW;
  const K = offsets.length * C;
  if (offsets.length === 1 && offsets[0]![0] === 0 && offsets[0]![1] === 0 && OH === H && OW === W) {
    gemm(rt, { A: src, ars: C, aks: 1, B: wcol, brs: N, bcs: 1, C: out, ldc: N, m: M, n: N, k: C, bias, relu });
    return;
  }
  if (K === 0) {
    gemm(rt, { A: src, ars: 0, aks: 0, B: wcol, brs: N, bcs: 1, C: out, ldc: N, m: M, n: N, k: 0, bias, relu });
    return;
  }
  const taps = putTaps(rt, offsets);
  const packed = rt.k.alloc((rt.k.exports.packedBFullBytes as (k: number, n: number) => number)(K, N));
  (rt.k.exports.packBFull as (...a: number[]) => void)(wcol, N, 1, K, 0, N, packed);
  const block = blockRows(K);
  const shares = rowShares(rt, M, K, N);
  rt.run(
    shares.map(([r0, count], t) => ({
      fn: 'convRows',
      args: [src, H, W, C, OH, OW, taps, offsets.length, packed, N, out, bias, relu ? 1 : 0, r0, count, block, rt.k.allocF32(block * K), rt.gemmWork[t]!],
    })),
  );
}

function forward(rt: KernelRuntime, backend: BackendWasm, x: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo, bias: TensorInfo | undefined, relu: boolean): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outChannels: Cout, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let cached = forwardCache.get(filter.dataId);
  if (!cached) {
    const w = backend.typedArrayFromHeap(filter) as Float32Array;
    const taps = openTaps(KH, KW, Cin * Cout, w);
    // Wcol: the open taps' [Cin, Cout] blocks, stacked
    const wcol = new Float32Array(Math.max(1, taps.length * Cin * Cout));
    taps.forEach(([ky, kx], t) => wcol.set(w.subarray((ky * KW + kx) * Cin * Cout, (ky * KW + kx + 1) * Cin * Cout), t * Cin * Cout));
    forwardCache.set(filter.dataId, (cached = { taps, wcol }));
  }
  const { taps } = cached;
  const wvals = cached.wcol;
  return rt.k.scoped(() => {
    const wcol = rt.k.put(wvals);
    const px = copyIn(rt, backend, x);
    const pb = bias ? copyIn(rt, backend, bias) : 0;
    const out = rt.k.allocF32(B * OH * OW * Cout);
    const offsets = taps.map(([ky, kx]) => [ky - top, kx - left] as [number, number]);
    convProduct(rt, px, H, W, Cin, OH, OW, B, offsets, wcol, Cout, out, pb, relu);
    return copyOut(rt, backend, out, [B, OH, OW, Cout]);
  });
}

export function makeConv2D(fallback: KernelFunc) {
  return function conv2D(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const filter = inputs.filter!;
    const rt = runtime();
    const info = rt && x.dtype === 'float32' && filter.dtype === 'float32' ? convInfo(x.shape, filter.shape, attrs) : null;
    if (rt == null || info == null || sizeOf(x.shape) === 0) return fallback(args) as TensorInfo;
    return forward(rt, backend, x, filter, info, undefined, false);
  };
}

export function makeFusedConv2D(fallback: KernelFunc) {
  return function fusedConv2D(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const filter = inputs.filter!;
    const bias = inputs.bias;
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    const rt = runtime();
    const info = rt && x.dtype === 'float32' && filter.dtype === 'float32' ? convInfo(x.shape, filter.shape, attrs) : null;
    const supported =
      info != null &&
      (activation === 'linear' || activation === 'relu') &&
      inputs.preluActivationWeights == null &&
      (bias == null || (bias.shape.length === 1 && bias.shape[0] === info.outChannels && bias.dtype === 'float32'));
    if (rt == null || info == null || !supported || sizeOf(x.shape) === 0) return fallback(args) as TensorInfo;
    return forward(rt, backend, x, filter, info, bias, activation === 'relu');
  };
}

export function makeConv2DBackpropInput(fallback: KernelFunc) {
  return function conv2DBackpropInput(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const dy = inputs.dy!;
    const filter = inputs.filter!;
    const rt = runtime();
    const inputShape = attrs.inputShape as number[];
    const info = rt && dy.dtype === 'float32' && filter.dtype === 'float32' ? convInfo(inputShape, filter.shape, attrs) : null;
    if (rt == null || info == null || sizeOf(dy.shape) === 0) return fallback(args) as TensorInfo;
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outChannels: Cout, outHeight: OH, outWidth: OW } = info;
    const { filterHeight: KH, filterWidth: KW } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    let cached = inputGradCache.get(filter.dataId);
    if (!cached) {
      const w = backend.typedArrayFromHeap(filter) as Float32Array;
      const taps = openTaps(KH, KW, Cin * Cout, w);
      // Wt: per open tap, its [Cin, Cout] block transposed to [Cout, Cin]
      const wtv = new Float32Array(Math.max(1, taps.length * Cout * Cin));
      taps.forEach(([ky, kx], t) => {
        const src = (ky * KW + kx) * Cin * Cout;
        const dst = t * Cout * Cin;
        for (let ci = 0; ci < Cin; ci++) for (let co = 0; co < Cout; co++) wtv[dst + co * Cin + ci] = w[src + ci * Cout + co]!;
      });
      inputGradCache.set(filter.dataId, (cached = { taps, wt: wtv }));
    }
    const { taps } = cached;
    const wtvals = cached.wt;
    return rt.k.scoped(() => {
      const wt = rt.k.put(wtvals);
      const pdy = copyIn(rt, backend, dy);
      const out = rt.k.allocF32(B * H * W * Cin);
      // dx[b, iy, ix] = Σ_t dy[b, iy + top − ky, ix + left − kx] · w_tᵀ: im2col of dy over the input grid.
      const offsets = taps.map(([ky, kx]) => [top - ky, left - kx] as [number, number]);
      convProduct(rt, pdy, OH, OW, Cout, H, W, B, offsets, wt, Cin, out, 0, false);
      return copyOut(rt, backend, out, [B, H, W, Cin]);
    });
  };
}

export function makeConv2DBackpropFilter(fallback: KernelFunc) {
  return function conv2DBackpropFilter(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const dy = inputs.dy!;
    const rt = runtime();
    const filterShape = attrs.filterShape as number[];
    const info = rt && x.dtype === 'float32' && dy.dtype === 'float32' ? convInfo(x.shape, filterShape, attrs) : null;
    if (rt == null || info == null || sizeOf(x.shape) === 0 || sizeOf(dy.shape) === 0) return fallback(args) as TensorInfo;
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outChannels: Cout, outHeight: OH, outWidth: OW } = info;
    const { filterHeight: KH, filterWidth: KW } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    return rt.k.scoped(() => {
      const px = copyIn(rt, backend, x);
      const pdy = copyIn(rt, backend, dy);
      // attrs.arsTapMask (KH·KW 0/1, from ops/maskedConv.ts): the gradient of closed taps is 0
      // (what the mask's product rule gives), so they are not computed.
      const tapMask = attrs.arsTapMask as number[] | undefined;
      const taps = openTaps(KH, KW, 0, null).filter(([ky, kx]) => tapMask == null || tapMask[ky * KW + kx] !== 0);
      const K = taps.length * Cin;
      const dw = rt.k.allocF32(Math.max(1, K * Cout));
      const M = B * OH * OW;
      if (KH === 1 && KW === 1 && top === 0 && left === 0 && OH === H && OW === W && taps.length === 1) {
        gemm(rt, { A: px, ars: 1, aks: Cin, B: pdy, brs: Cout, bcs: 1, C: dw, ldc: Cout, m: Cin, n: Cout, k: M });
        return copyOut(rt, backend, dw, [...filterShape]);
      }
      if (taps.length < KH * KW) {
        // only the open taps: compute them, then spread into the full (zero) filter
        const full = rt.k.allocF32(KH * KW * Cin * Cout);
        rt.k.f32.fill(0, full >> 2, (full >> 2) + KH * KW * Cin * Cout);
        if (K > 0) {
          productFilterGrad(rt, px, pdy, H, W, Cin, OH, OW, Cout, M, taps, top, left, dw);
          const f32 = rt.k.f32;
          taps.forEach(([ky, kx], t) => f32.copyWithin((full >> 2) + (ky * KW + kx) * Cin * Cout, (dw >> 2) + t * Cin * Cout, (dw >> 2) + (t + 1) * Cin * Cout));
        }
        return copyOut(rt, backend, full, [...filterShape]);
      }
      productFilterGrad(rt, px, pdy, H, W, Cin, OH, OW, Cout, M, taps, top, left, dw);
      return copyOut(rt, backend, dw, [...filterShape]);
    });
  };
}

/** dw [taps·Cin, Cout] = im2col(x)ᵀ · dy: each thread sums its rows (convFilterGradRows), then the threads' sums are added. */
function productFilterGrad(
  rt: KernelRuntime, px: number, pdy: number, H: number, W: number, Cin: number, OH: number, OW: number, Cout: number, M: number,
  taps: [number, number][], top: number, left: number, dw: number,
): void {
  const K = taps.length * Cin;
  const tapPtr = putTaps(rt, taps.map(([ky, kx]) => [ky - top, kx - left] as [number, number]));
  const block = blockRows(K);
  const shares = rowShares(rt, M, K, Cout);
  const parts = shares.map((_, t) => (t === 0 ? dw : rt.k.allocF32(K * Cout)));
  rt.run(
    shares.map(([r0, count], t) => ({
      fn: 'convFilterGradRows',
      args: [px, H, W, Cin, OH, OW, tapPtr, taps.length, pdy, Cout, parts[t]!, r0, count, block, rt.k.allocF32(block * K), rt.gemmWork[t]!],
    })),
  );
  const f = rt.k.f32;
  const n = K * Cout;
  for (let t = 1; t < parts.length; t++) {
    const src = parts[t]! >> 2;
    const dst = dw >> 2;
    for (let i = 0; i < n; i++) f[dst + i]! += f[src + i]!;
  }
}
