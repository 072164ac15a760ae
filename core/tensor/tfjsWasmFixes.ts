/**
 * Kernel fixes for @tensorflow/tfjs-backend-wasm 4.22.0.
 *
 * The stock wasm backend lacks some kernels that training needs and runs others on a scalar
 * fallback loop. The replacements here are built from the backend's own fast kernels (XNNPACK
 * matMul / conv / depthwise conv, C++ transpose) or, where the work is memory-bound, from plain
 * loops over the wasm heap:
 *
 * - `UnsortedSegmentSum` (missing; the gradient of `gather`, so of every embedding): a loop that
 *   adds rows of `x` into the output rows named by `segmentIds`.
 * - `Conv2DBackpropFilter` (missing; conv weights cannot train): rewritten as one forward Conv2D
 *   (XNNPACK) over transposed operands — x as [Cin, H, W, B], dy as the filter [OH, OW, B, Cout],
 *   the original stride as the dilation — then one transpose of the small result.
 * - `Conv2DBackpropInput` (~11× slower than a Conv2D of the same size): for stride 1 it is a
 *   Conv2D of dy with the spatially flipped, in/out-swapped filter. Other strides use the stock
 *   kernel.
 * - `BatchMatMul` / `_FusedMatMul`: the stock kernel only reaches XNNPACK when neither operand is
 *   transposed and neither is batched; every other case runs a scalar loop. The replacements
 *   transpose explicitly (C++ Transpose), fold a broadcast batch into the rows of one 2-D product,
 *   and run truly batched products (attention) as a depthwise convolution with a channel
 *   multiplier — which XNNPACK executes as one GEMM per batch entry.
 * - `OneHot`: the stock kernel writes int32 bit patterns whatever the dtype, so float32 one-hots
 *   are garbage (1 → 1.4e-45). Replaced by a loop that honours dtype, onValue and offValue.
 *
 * They are not the project's own kernels (projectKernels.ts: hand-written WebAssembly): these only
 * re-route tfjs-wasm's work through its own kernels. wasmKernelRegistry.ts registers them first;
 * the project's kernels then wrap several of them as their fallback.
 *
 * These depend on tfjs internals (kernel attrs, the wasm backend's dataIdMap and heap), so tfjs
 * must stay pinned at 4.22.0. Every replacement is checked against the `cpu` backend
 * (tests/core/tensor/tfjsWasmFixes.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { matMulShapes, sizeOf } from './shapes.ts';

const WASM = 'wasm';

/**
 * Batched products below this many multiply-adds, or with fewer rows than MIN_BATCHED_ROWS
 * (one-token decoding), stay on the stock loop: the re-layout costs more than it saves there.
 */
const SMALL_BATCHED_WORK = 1 << 15;
const MIN_BATCHED_ROWS = 4;


// ---------------------------------------------------------------------------------------------
// Small helpers over the wasm backend

type Args = { inputs: Record<string, TensorInfo | undefined>; backend: BackendWasm; attrs: NamedAttrMap };

/** Runs another wasm kernel directly (no engine bookkeeping: the caller owns the result). */
function runKernel(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const config = tf.getKernel(name, WASM);
  if (config == null) throw new Error(`wasm kernel fixes: kernel '${name}' is not registered for wasm`);
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** A differently shaped view of the same data. Owns no reference: never dispose a view. */
function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Collects intermediates and frees them, whatever happens. */
class Scratch {
  private readonly owned: TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}
  keep<T extends TensorInfo>(t: T): T {
    this.owned.push(t);
    return t;
  }
  /**
   * Hands the data of `t` (an owned tensor or a view of one) to the caller, shaped like `t`:
   * it is no longer freed by `dispose()`.
   */
  release(t: TensorInfo): TensorInfo {
    const i = this.owned.findIndex((o) => o.dataId === t.dataId);
    if (i < 0) throw new Error('wasm kernel fixes: the result is not an intermediate of this kernel');
    this.owned.splice(i, 1);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.keep(runKernel('Transpose', this.backend, { x }, { perm }));
  }
  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    return this.keep(runKernel(name, this.backend, inputs, attrs));
  }
  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

function withScratch(backend: BackendWasm, f: (s: Scratch) => TensorInfo): TensorInfo {
  const s = new Scratch(backend);
  try {
    return s.release(f(s));
  } finally {
    s.dispose();
  }
}

/** A fresh output on the wasm heap, filled with `value` (makeOutput leaves memory uninitialised). */
function filledOutput(backend: BackendWasm, shape: number[], dtype: DataType, value: number) {
  const out = backend.makeOutput(shape, dtype);
  // Views are taken after every allocation: growing the wasm heap detaches older views.
  const values = backend.typedArrayFromHeap(out);
  values.fill(value);
  return { out, values };
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum

function unsortedSegmentSum(args: Args): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const segmentIds = inputs.segmentIds!;
  const numSegments = attrs.numSegments as number;
  const segRank = segmentIds.shape.length;
  tf.util.assert(
    segmentIds.shape.every((d, i) => x.shape[i] === d),
    () => `unsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
  );
  const innerShape = x.shape.slice(segRank);
  const inner = sizeOf(innerShape);
  const n = sizeOf(segmentIds.shape);
  const { values: out, out: outInfo } = filledOutput(backend, [numSegments, ...innerShape], x.dtype, 0);
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments) || !Number.isInteger(s)) continue; // TF drops such rows
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += xs[src + j];
  }
  return outInfo;
}

// ---------------------------------------------------------------------------------------------
// OneHot

function makeOneHot(original: KernelFunc) {
  return function oneHot(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const indices = inputs.indices!;
    const dtype = attrs.dtype as DataType;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') return original(args) as TensorInfo;
    const depth = attrs.depth as number;
    const onValue = attrs.onValue as number;
    const offValue = attrs.offValue as number;
    const { out, values } = filledOutput(backend, [...indices.shape, depth], dtype, offValue);
    const idx = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < idx.length; i++) {
      const k = idx[i];
      if (k >= 0 && k < depth && Number.isInteger(k)) values[i * depth + k] = onValue;
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter / Conv2DBackpropInput

type ConvDataFormat = 'NHWC' | 'NCHW';
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function conv2DBackpropFilter(args: Args): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const dataFormat = (attrs.dataFormat as ConvDataFormat | undefined) ?? 'NHWC';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: sH, strideWidth: sW } = info;
  if (B * OH * OW === 0 || C * CO * KH * KW === 0) return filledOutput(backend, [KH, KW, C, CO], 'float32', 0).out;

  // dW[kh,kw,c,o] = Σ_{b,i,j} x[b, i*sH + kh - top, j*sW + kw - left, c] · dy[b,i,j,o]
  // is a stride-1 convolution of x' = x as [C, H, W, B] with the filter dy' = dy as
  // [OH, OW, B, CO], dilated by the original stride, whose output [C, KH, KW, CO] is dW.
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let bottom = KH + (OH - 1) * sH - H - top;
  let right = KW + (OW - 1) * sW - W - left;
  return withScratch(backend, (s) => {
    const channelsLast = info.dataFormat === 'channelsLast';
    let xT = s.transpose(x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
    if (bottom < 0 || right < 0) {
      // Rows/columns past the last window (strided 'valid' convs) never touch dW: crop them.
      const h = H + Math.min(bottom, 0);
      const w = W + Math.min(right, 0);
      xT = s.run('Slice', { x: xT }, { begin: [0, 0, 0, 0], size: [C, h, w, B] });
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const dyT = s.transpose(dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    const conv = s.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [sH, sW],
      },
    );
    tf.util.assert(
      conv.shape[1] === KH && conv.shape[2] === KW,
      () => `Conv2DBackpropFilter (wasm fix): internal shape error [${conv.shape}]`,
    );
    return s.transpose(conv, [1, 2, 0, 3]);
  });
}

function makeConv2DBackpropInput(original: KernelFunc) {
  return function conv2DBackpropInput(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const dy = inputs.dy!;
    const filter = inputs.filter!;
    const dataFormat = (attrs.dataFormat as ConvDataFormat | undefined) ?? 'NHWC';
    const inputShape = attrs.inputShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides as [number, number] | number,
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
      false,
      tf.backend_util.convertConv2DDataFormat(dataFormat),
    );
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
    // dx[b,i,j,c] = Σ dy[b, i + top - kh, j + left - kw, o] · w[kh,kw,c,o]  (stride 1)
    //            = conv(dy, w flipped in kh,kw and with c/o swapped), padded by KH-1-top above.
    const padTop = KH - 1 - info.padInfo.top;
    const padBottom = H - OH + info.padInfo.top;
    const padLeft = KW - 1 - info.padInfo.left;
    const padRight = W - OW + info.padInfo.left;
    const supported =
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      Math.min(padTop, padBottom, padLeft, padRight) >= 0 &&
      sizeOf(dy.shape) > 0 &&
      sizeOf(filter.shape) > 0 &&
      dy.dtype === 'float32' &&
      filter.dtype === 'float32';
    if (!supported) return original(args) as TensorInfo;
    return withScratch(backend, (s) => {
      const channelsLast = info.dataFormat === 'channelsLast';
      const dyNHWC = channelsLast ? dy : s.transpose(dy, [0, 2, 3, 1]);
      const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
      const wT = s.transpose(flipped, [0, 1, 3, 2]);
      const dx = s.run(
        'Conv2D',
        { x: dyNHWC, filter: wT },
        {
          strides: [1, 1],
          pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
          dataFormat: 'NHWC',
          dilations: [1, 1],
        },
      );
      return channelsLast ? dx : s.transpose(dx, [0, 3, 1, 2]);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// BatchMatMul / _FusedMatMul

interface MatMulPlan {
  /** a and b as rank-3 views, batch dims broadcast to equal or 1. */
  a3: TensorInfo;
  b3: TensorInfo;
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

/**
 * Reshapes a and b to rank 3 and makes their batch sizes equal or 1, tiling where tfjs
 * broadcasting needs it (the stock kernel silently mis-indexes that case).
 */
function planMatMul(s: Scratch, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const { m, k, n, outerA, outerB, outer, batch, outShape } = matMulShapes(a.shape, b.shape, transposeA, transposeB);
  let batchA = sizeOf(outerA);
  let batchB = sizeOf(outerB);
  let a3 = view(a, [batchA, a.shape[aRank - 2]!, a.shape[aRank - 1]!]);
  let b3 = view(b, [batchB, b.shape[bRank - 2]!, b.shape[bRank - 1]!]);
  const needsTile = (size: number) => size !== 1 && size !== batch;
  if (needsTile(batchA) || needsTile(batchB)) {
    const expand = (t: TensorInfo, o: number[]): TensorInfo => {
      const padded = [...new Array(outer.length - o.length).fill(1), ...o];
      const rank = t.shape.length;
      const full = view(t, [...padded, t.shape[rank - 2], t.shape[rank - 1]]);
      const reps = [...outer.map((d, i) => (padded[i] === d ? 1 : d)), 1, 1];
      const tiled = s.run('Tile', { x: full }, { reps });
      return view(tiled, [batch, t.shape[rank - 2], t.shape[rank - 1]]);
    };
    a3 = expand(a, outerA);
    b3 = expand(b, outerB);
    batchA = batch;
    batchB = batch;
  }
  return { a3, b3, batchA, batchB, m, k, n, outShape };
}

/**
 * The stock kernel caches an XNNPACK operator, with b packed into it, under b's tensor id alone.
 * A reshape shares that id, so using a reshaped b with other dims aborts the wasm module (a
 * process-killing crash, seen in stock 4.22.0). We remember the [k, n] each b was first used
 * with and pass a copy (a fresh id) when the same data comes back with other dims.
 */
const xnnWeightDims = new WeakMap<object, string>();

function xnnSafeWeights(s: Scratch, b: TensorInfo): TensorInfo {
  const dims = `${b.shape[b.shape.length - 2]}x${b.shape[b.shape.length - 1]}`;
  const seen = xnnWeightDims.get(b.dataId);
  if (seen === undefined) xnnWeightDims.set(b.dataId, dims);
  if (seen === undefined || seen === dims) return b;
  // A real copy (a fresh data id): Identity may share the data (see kernels/basic.ts).
  const copy = s.keep(s.backend.makeOutput([...b.shape], b.dtype));
  s.backend.typedArrayFromHeap(copy).set(s.backend.typedArrayFromHeap(b));
  xnnWeightDims.set(copy.dataId, dims);
  return copy;
}

/**
 * a·b (with transposes) on float32 operands, through XNNPACK wherever possible.
 * Returns a new [batch, m, n] tensor; `plan.outShape` is the shape the caller should give it.
 */
function fastMatMul(s: Scratch, original: KernelFunc, plan: MatMulPlan, transposeA: boolean, transposeB: boolean): TensorInfo {
  const { a3, b3, batchA, batchB, m, k, n } = plan;
  const backend = s.backend;
  const plain = (x: TensorInfo, y: TensorInfo): TensorInfo =>
    s.keep(
      original({ inputs: { a: x, b: xnnSafeWeights(s, y) }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo,
    );
  /** a as [rows, k] untransposed. */
  const aRows = (): TensorInfo => (transposeA ? s.transpose(a3, [0, 2, 1]) : a3);
  /** b as [k, n] untransposed (batchB must be 1). */
  const bCols = (): TensorInfo => (transposeB ? s.transpose(b3, [0, 2, 1]) : b3);

  if (batchB === 1) {
    // One 2-D product: the batch of a folds into its rows.
    const a2 = aRows();
    const out = plain(view(a2, [1, batchA * m, k]), bCols());
    return view(out, [batchA, m, n]);
  }
  if (batchA === 1) {
    // out[i] = a · b[i]: one product against b laid out as [k, batch·n], then move the batch out.
    const aM = aRows();
    const bCat = s.transpose(b3, transposeB ? [2, 0, 1] : [1, 0, 2]); // [k, batch, n]
    const out = plain(aM, view(bCat, [1, k, batchB * n])); // [m, batch·n]
    return s.transpose(view(out, [m, batchB, n]), [1, 0, 2]);
  }
  const batch = batchA;
  if (batch * m * k * n < SMALL_BATCHED_WORK || m < MIN_BATCHED_ROWS) {
    // Small batched products: the stock loop is cheaper than any re-layout.
    return s.keep(original({ inputs: { a: a3, b: b3 }, backend, attrs: { transposeA, transposeB } }) as TensorInfo);
  }
  // Truly batched: a depthwise convolution with channel multiplier n computes, for each
  // channel (= batch entry), a [m, k]·[k, n] product — XNNPACK runs it as a grouped GEMM.
  const x = s.transpose(a3, transposeA ? [2, 1, 0] : [1, 2, 0]); // [m, k, batch]
  const w = s.transpose(b3, transposeB ? [2, 0, 1] : [1, 0, 2]); // [k, batch, n]
  const conv = s.run(
    'DepthwiseConv2dNative',
    { x: view(x, [1, m, k, batch]), filter: view(w, [1, k, batch, n]) },
    { strides: [1, 1], pad: 'valid', dilations: [1, 1] },
  ); // [1, m, 1, batch·n]
  return s.transpose(view(conv, [m, batch, n]), [1, 0, 2]);
}

function makeBatchMatMul(original: KernelFunc) {
  return function batchMatMul(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const a = inputs.a!;
    const b = inputs.b!;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args) as TensorInfo;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    return withScratch(backend, (s) => {
      const plan = planMatMul(s, a, b, transposeA, transposeB);
      return view(fastMatMul(s, original, plan, transposeA, transposeB), plan.outShape);
    });
  };
}

const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
};

function makeFusedMatMul(original: KernelFunc, originalBatchMatMul: KernelFunc) {
  return function fusedMatMul(args: Args): TensorInfo {
    const { inputs, backend, attrs } = args;
    const a = inputs.a!;
    const b = inputs.b!;
    const bias = inputs.bias;
    const prelu = inputs.preluActivationWeights;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return original(args) as TensorInfo;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    return withScratch(backend, (s) => {
      const plan = planMatMul(s, a, b, transposeA, transposeB);
      const { batchA, batchB, m, k, n } = plan;
      // XNNPACK's fused path reads exactly n bias values; other bias shapes go unfused.
      const biasFits = bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
      if (batchB === 1 && biasFits) {
        const a2 = transposeA ? s.transpose(plan.a3, [0, 2, 1]) : plan.a3;
        const b2 = transposeB ? s.transpose(plan.b3, [0, 2, 1]) : plan.b3;
        const fusedInputs: Record<string, TensorInfo> = { a: view(a2, [1, batchA * m, k]), b: xnnSafeWeights(s, b2) };
        if (bias != null) fusedInputs.bias = bias;
        if (prelu != null) fusedInputs.preluActivationWeights = prelu;
        const out = s.keep(
          original({
            inputs: fusedInputs,
            backend,
            attrs: { ...attrs, transposeA: false, transposeB: false },
          }) as TensorInfo,
        );
        return view(out, plan.outShape);
      }
      // Unfused: product, then bias, then activation, each by its own wasm kernel.
      let y = view(fastMatMul(s, originalBatchMatMul, plan, transposeA, transposeB), plan.outShape);
      if (bias != null) y = s.run('Add', { a: y, b: bias });
      if (activation === 'prelu') {
        if (prelu == null) throw new Error('_FusedMatMul: prelu activation needs preluActivationWeights');
        y = s.run('Prelu', { x: y, alpha: prelu });
      } else if (activation === 'leakyrelu') {
        y = s.run('LeakyRelu', { x: y }, { alpha: (attrs.leakyreluAlpha as number | undefined) ?? 0.2 });
      } else if (activation !== 'linear') {
        const kernel = ACTIVATION_KERNELS[activation];
        if (kernel == null) throw new Error(`_FusedMatMul: activation '${activation}' is not supported on wasm`);
        y = s.run(kernel, { x: y });
      }
      return y;
    });
  };
}

// ---------------------------------------------------------------------------------------------
// The table wasmKernelRegistry.ts registers

/** The stock wasm kernel of this name, as tfjs-backend-wasm registered it (before any fix). */
export type StockKernels = (name: string) => KernelFunc | undefined;

/** Makes a replacement from the stock kernels. */
export type FixMaker = (stock: StockKernels) => KernelFunc;

function need(stock: StockKernels, name: string): KernelFunc {
  const kernel = stock(name);
  if (kernel == null) {
    throw new Error(`wasm kernel fixes: stock wasm kernel '${name}' is missing; is @tensorflow/tfjs-backend-wasm 4.22.0 loaded?`);
  }
  return kernel;
}

const asKernel = (f: (args: Args) => TensorInfo): KernelFunc => f as unknown as KernelFunc;

/** Stock kernels the fixes run (through `runKernel`); registration checks for them first. */
export const TFJS_WASM_FIXES_RUN = ['Transpose', 'Identity', 'Conv2D', 'DepthwiseConv2dNative', 'Reverse', 'Slice', 'Tile', 'Add'] as const;

/** The fixes, in registration order: kernel name → maker. */
export const TFJS_WASM_FIXES: ReadonlyArray<readonly [name: string, make: FixMaker]> = [
  ['UnsortedSegmentSum', () => asKernel(unsortedSegmentSum)],
  ['Conv2DBackpropFilter', () => asKernel(conv2DBackpropFilter)],
  ['Conv2DBackpropInput', (stock) => asKernel(makeConv2DBackpropInput(need(stock, 'Conv2DBackpropInput')))],
  ['BatchMatMul', (stock) => asKernel(makeBatchMatMul(need(stock, 'BatchMatMul')))],
  ['_FusedMatMul', (stock) => asKernel(makeFusedMatMul(need(stock, '_FusedMatMul'), need(stock, 'BatchMatMul')))],
  ['OneHot', (stock) => asKernel(makeOneHot(need(stock, 'OneHot')))],
];
