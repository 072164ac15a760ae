/**
 * The fused ops' tfjs kernels for the wasm backend (names start with 'Ars'). Each copies its
 * inputs into the kernels' shared memory, runs the WebAssembly kernel (split across threads
 * where the work is big enough), and copies the results out as new tensors. The ops that call
 * them, with their gradients, are in core/tensor/ops.
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemm, splitRange } from '../wasm/gemm.ts';
import { kernelRuntime, type KernelRuntime } from '../wasm/runtime.ts';
import type { Task } from '../wasm/threads.ts';
import { RNN_CELL_ID, RNN_GATES, type RnnCell } from '../rnnCell.ts';
import { sizeOf } from '../shapes.ts';
import { copyIn, copyOut } from './heap.ts';

type Inputs = Record<string, TensorInfo | undefined>;
type Body = (rt: KernelRuntime, backend: BackendWasm, inputs: Inputs, attrs: NamedAttrMap) => TensorInfo | TensorInfo[];

/** Elements of work below which a row-parallel kernel stays on one thread. */
const PARALLEL_MIN_ELEMENTS = 1 << 16;

function kernel(body: Body): KernelFunc {
  return ((args: { inputs: Inputs; backend: BackendWasm; attrs: NamedAttrMap }) => {
    const rt = kernelRuntime();
    if (rt == null) throw new Error('the project wasm kernels are not loaded');
    return rt.k.scoped(() => body(rt, args.backend, args.inputs, args.attrs));
  }) as unknown as KernelFunc;
}

function fn(rt: KernelRuntime, name: string): (...args: number[]) => number {
  return rt.k.exports[name] as (...args: number[]) => number;
}

/** Row-parallel tasks: `args(r0, count, thread)` for each thread's share of `rows`. */
function rowTasks(rt: KernelRuntime, name: string, rows: number, elements: number, args: (r0: number, count: number, t: number) => number[]): Task[] {
  const T = elements >= PARALLEL_MIN_ELEMENTS ? rt.parallelism() : 1;
  return splitRange(rows, T, 1).map(([r0, count], t) => ({ fn: name, args: args(r0, count, t) }));
}

/** Sums per-thread partial buffers [threads][n] into the first; returns its pointer. */
function reducePartials(rt: KernelRuntime, parts: number[], n: number): number {
  const f = rt.k.f32;
  const dst = parts[0]! >> 2;
  for (let t = 1; t < parts.length; t++) {
    const src = parts[t]! >> 2;
    for (let i = 0; i < n; i++) f[dst + i]! += f[src + i]!;
  }
  return parts[0]!;
}

function zeros(rt: KernelRuntime, n: number): number {
  const p = rt.k.allocF32(n);
  rt.k.f32.fill(0, p >> 2, (p >> 2) + n);
  return p;
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over the last dimension

const layerNorm: Body = (rt, backend, inputs, attrs) => {
  const x = inputs.x!;
  const D = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / D;
  const px = copyIn(rt, backend, x);
  const pg = copyIn(rt, backend, inputs.g!);
  const pb = copyIn(rt, backend, inputs.b!);
  const py = rt.k.allocF32(rows * D);
  const pm = rt.k.allocF32(rows);
  const pr = rt.k.allocF32(rows);
  const eps = attrs.eps as number;
  rt.run(rowTasks(rt, 'layerNormForward', rows, rows * D, (r0, n) => [px, pg, pb, py, pm, pr, r0, n, D, eps]));
  return [copyOut(rt, backend, py, [...x.shape]), copyOut(rt, backend, pm, [rows]), copyOut(rt, backend, pr, [rows])];
};

const layerNormGrad: Body = (rt, backend, inputs) => {
  const x = inputs.x!;
  const D = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / D;
  const pdy = copyIn(rt, backend, inputs.dy!);
  const px = copyIn(rt, backend, x);
  const pg = copyIn(rt, backend, inputs.g!);
  const pm = copyIn(rt, backend, inputs.mean!);
  const pr = copyIn(rt, backend, inputs.rstd!);
  const pdx = rt.k.allocF32(rows * D);
  const tasks = rowTasks(rt, 'layerNormBackward', rows, rows * D, () => []);
  const dgs = tasks.map(() => zeros(rt, D));
  const dbs = tasks.map(() => zeros(rt, D));
  const ranges = splitRange(rows, tasks.length, 1);
  rt.run(ranges.map(([r0, n], t) => ({ fn: 'layerNormBackward', args: [pdy, px, pg, pm, pr, pdx, dgs[t]!, dbs[t]!, r0, n, D] })));
  const dg = reducePartials(rt, dgs, D);
  const db = reducePartials(rt, dbs, D);
  return [copyOut(rt, backend, pdx, [...x.shape]), copyOut(rt, backend, dg, [...inputs.g!.shape]), copyOut(rt, backend, db, [...inputs.g!.shape])];
};

// ---------------------------------------------------------------------------------------------
// gelu(x + bias)

const biasGelu: Body = (rt, backend, inputs) => {
  const x = inputs.x!;
  const n = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / n;
  const px = copyIn(rt, backend, x);
  const pb = inputs.bias ? copyIn(rt, backend, inputs.bias) : 0;
  const py = rt.k.allocF32(rows * n);
  rt.run(rowTasks(rt, 'biasGeluForward', rows, rows * n, (r0, c) => [px, pb, py, r0, c, n]));
  return copyOut(rt, backend, py, [...x.shape]);
};

const biasGeluGrad: Body = (rt, backend, inputs) => {
  const x = inputs.x!;
  const n = x.shape[x.shape.length - 1]!;
  const rows = sizeOf(x.shape) / n;
  const pdy = copyIn(rt, backend, inputs.dy!);
  const px = copyIn(rt, backend, x);
  const pb = inputs.bias ? copyIn(rt, backend, inputs.bias) : 0;
  const pdx = rt.k.allocF32(rows * n);
  const ranges = splitRange(rows, rows * n >= PARALLEL_MIN_ELEMENTS ? rt.parallelism() : 1, 1);
  const dbs = ranges.map(() => (pb ? zeros(rt, n) : 0));
  rt.run(ranges.map(([r0, c], t) => ({ fn: 'biasGeluBackward', args: [pdy, px, pb, pdx, dbs[t]!, r0, c, n] })));
  const dx = copyOut(rt, backend, pdx, [...x.shape]);
  if (!inputs.bias) return [dx];
  return [dx, copyOut(rt, backend, reducePartials(rt, dbs, n), [...inputs.bias.shape])];
};

// ---------------------------------------------------------------------------------------------
// Multi-head self-attention on packed q|k|v

const attention: Body = (rt, backend, inputs, attrs) => {
  const qkv = inputs.qkv!;
  const [B, T, threeD] = qkv.shape as [number, number, number];
  const H = attrs.heads as number;
  const D = threeD / 3;
  const dh = D / H;
  const causal = attrs.causal ? 1 : 0;
  const scale = 1 / Math.sqrt(dh);
  const pq = copyIn(rt, backend, qkv);
  const po = rt.k.allocF32(B * T * D);
  const pp = rt.k.allocF32(B * H * T * T);
  const pairs = B * H;
  const T_ = pairs * T * T * dh >= 1 << 18 ? rt.parallelism() : 1;
  rt.run(splitRange(pairs, T_, 1).map(([p0, n], t) => ({ fn: 'attentionForward', args: [pq, po, pp, T, H, dh, causal, scale, p0, n, rt.gemmWork[t]!] })));
  return [copyOut(rt, backend, po, [B, T, D]), copyOut(rt, backend, pp, [B, H, T, T])];
};

const attentionGrad: Body = (rt, backend, inputs, attrs) => {
  const qkv = inputs.qkv!;
  const [B, T, threeD] = qkv.shape as [number, number, number];
  const H = attrs.heads as number;
  const D = threeD / 3;
  const dh = D / H;
  const scale = 1 / Math.sqrt(dh);
  const pq = copyIn(rt, backend, qkv);
  const pp = copyIn(rt, backend, inputs.probs!);
  const pdo = copyIn(rt, backend, inputs.dy!);
  const pdq = rt.k.allocF32(B * T * threeD);
  const pairs = B * H;
  const ranges = splitRange(pairs, pairs * T * T * dh >= 1 << 18 ? rt.parallelism() : 1, 1);
  const scratch = ranges.map(() => rt.k.allocF32(T * T));
  rt.run(ranges.map(([p0, n], t) => ({ fn: 'attentionBackward', args: [pq, pp, pdo, pdq, T, H, dh, scale, p0, n, rt.gemmWork[t]!, scratch[t]!] })));
  return copyOut(rt, backend, pdq, [B, T, threeD]);
};

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy (optionally weighted)

/** logits [N, V], targets int32 [N], weights [N] optional → per-row nll [N]. */
const crossEntropy: Body = (rt, backend, inputs) => {
  const logits = inputs.logits!;
  const V = logits.shape[logits.shape.length - 1]!;
  const N = sizeOf(logits.shape) / V;
  const pl = copyIn(rt, backend, logits);
  const pt = copyIn(rt, backend, inputs.targets!);
  const pn = rt.k.allocF32(N);
  rt.run(rowTasks(rt, 'softmaxCrossEntropyForward', N, N * V, (r0, c) => [pl, pt, pn, r0, c, V]));
  return copyOut(rt, backend, pn, [N]);
};

/** dlogits = coef·w_i·(softmax − onehot); coef is a scalar tensor (dy / denominator). */
const crossEntropyGrad: Body = (rt, backend, inputs) => {
  const logits = inputs.logits!;
  const V = logits.shape[logits.shape.length - 1]!;
  const N = sizeOf(logits.shape) / V;
  const pl = copyIn(rt, backend, logits);
  const pt = copyIn(rt, backend, inputs.targets!);
  const pw = inputs.weights ? copyIn(rt, backend, inputs.weights) : 0;
  const coef = (backend.typedArrayFromHeap(inputs.coef!) as Float32Array)[0]!;
  const pd = rt.k.allocF32(N * V);
  rt.run(rowTasks(rt, 'softmaxCrossEntropyBackward', N, N * V, (r0, c) => [pl, pt, pw, coef, pd, r0, c, V]));
  return copyOut(rt, backend, pd, [...logits.shape]);
};

// ---------------------------------------------------------------------------------------------
// Adam over every parameter at once, with global-norm clipping

/**
 * inputs p0, m0, v0, g0, p1, …; attrs count, lr, beta1, beta2, epsilon, step, clipNorm (0: none).
 * Outputs p0', m0', v0', p1', … and the gradients' global norm before clipping (a scalar).
 */
const adamStep: Body = (rt, backend, inputs, attrs) => {
  const count = attrs.count as number;
  const lr = attrs.lr as number;
  const beta1 = attrs.beta1 as number;
  const beta2 = attrs.beta2 as number;
  const eps = attrs.epsilon as number;
  const step = attrs.step as number;
  const clipNorm = attrs.clipNorm as number;
  const ptrs: { p: number; m: number; v: number; g: number; n: number; shape: number[] }[] = [];
  for (let i = 0; i < count; i++) {
    const p = inputs[`p${i}`]!;
    ptrs.push({
      p: copyIn(rt, backend, p),
      m: copyIn(rt, backend, inputs[`m${i}`]!),
      v: copyIn(rt, backend, inputs[`v${i}`]!),
      g: copyIn(rt, backend, inputs[`g${i}`]!),
      n: sizeOf(p.shape),
      shape: [...p.shape],
    });
  }
  const sumSquares = fn(rt, 'sumSquares');
  let total = 0;
  for (const t of ptrs) total += sumSquares(t.g, t.n);
  const norm = Math.sqrt(total);
  // As clipByGlobalNorm: scale = min(1, clipNorm / (norm + 1e-6)), in float32.
  const scale = clipNorm > 0 ? Math.min(1, Math.fround(Math.fround(clipNorm) / Math.fround(Math.fround(norm) + 1e-6))) : 1;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  // Parameters split across threads by size (each parameter whole), one table per thread.
  const total1 = ptrs.reduce((s, t) => s + t.n, 0);
  const T = total1 >= PARALLEL_MIN_ELEMENTS ? rt.parallelism() : 1;
  const loads = new Array<number>(T).fill(0);
  const lists: number[][] = Array.from({ length: T }, () => []);
  ptrs
    .map((t, i) => [t.n, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .forEach(([n, i]) => {
      const t = loads.indexOf(Math.min(...loads));
      loads[t]! += n;
      lists[t]!.push(i);
    });
  const tasks: Task[] = lists.map((list) => {
    const table = rt.k.alloc(list.length * 20);
    const i32 = rt.k.i32;
    list.forEach((i, j) => {
      const q = ptrs[i]!;
      i32.set([q.p, q.m, q.v, q.g, q.n], (table >> 2) + j * 5);
    });
    return { fn: 'adamUpdateMany', args: [table, list.length, scale, lr / c1, beta1, beta2, c2, eps] };
  });
  rt.run(tasks);
  const out: TensorInfo[] = [];
  for (const t of ptrs) {
    out.push(copyOut(rt, backend, t.p, t.shape), copyOut(rt, backend, t.m, t.shape), copyOut(rt, backend, t.v, t.shape));
  }
  const pn = rt.k.allocF32(1);
  rt.k.f32[pn >> 2] = norm;
  out.push(copyOut(rt, backend, pn, []));
  return out;
};

/** The fused kernels by tfjs kernel name. */
export const FUSED_KERNELS: Record<string, KernelFunc> = {
  ArsLayerNorm: kernel(layerNorm),
  ArsLayerNormGrad: kernel(layerNormGrad),
  ArsBiasGelu: kernel(biasGelu),
  ArsBiasGeluGrad: kernel(biasGeluGrad),
  ArsAttention: kernel(attention),
  ArsAttentionGrad: kernel(attentionGrad),
  ArsCrossEntropy: kernel(crossEntropy),
  ArsCrossEntropyGrad: kernel(crossEntropyGrad),
  ArsAdamStep: kernel(adamStep),
};

// ---------------------------------------------------------------------------------------------
// Whole-sequence recurrent layers (rnn, gru, lstm)


/** Threads for the recurrence: one unless a step's product is big enough to share. */
function rnnThreads(rt: KernelRuntime, B: number, G: number, H: number): number {
  const blocks = Math.ceil(H / 16);
  return Math.max(1, Math.min(rt.parallelism(), blocks, B * G * H * H >= 1 << 19 ? rt.parallelism() : 1));
}

function barrierWords(rt: KernelRuntime): number {
  const bar = rt.k.alloc(64);
  rt.k.i32.fill(0, bar >> 2, (bar >> 2) + 16);
  return bar;
}

function spmd(rt: KernelRuntime, fnName: string, threads: number, args: (tid: number) => number[]): void {
  rt.run(Array.from({ length: threads }, (_, tid) => ({ fn: fnName, args: args(tid) })));
}

/** inputs xp [B, T, G·H], wh [H, G·H], h0 [B, H], c0 [B, H] (lstm), bh [G·H] (gru); attrs cell. */
const rnnForward: Body = (rt, backend, inputs, attrs) => {
  const cellName = attrs.cell as RnnCell;
  const cell = RNN_CELL_ID[cellName];
  const G = RNN_GATES[cellName];
  const xp = inputs.xp!;
  const [B, T] = xp.shape as [number, number, number];
  const H = inputs.wh!.shape[0]!;
  const pxp = copyIn(rt, backend, xp);
  const pwh = copyIn(rt, backend, inputs.wh!);
  const ph0 = copyIn(rt, backend, inputs.h0!);
  const pc0 = cell === 2 ? copyIn(rt, backend, inputs.c0!) : 0;
  const pbh = cell === 1 ? copyIn(rt, backend, inputs.bh!) : 0;
  const packed = rt.k.alloc(fn(rt, 'packedRecurrentBytes')(cell, H));
  fn(rt, 'packRecurrentWeights')(cell, pwh, H, packed);
  const blocks = Math.ceil(H / 16);
  const z = rt.k.allocF32(B * blocks * G * 16);
  const hs = rt.k.allocF32(B * T * H);
  const acts = cell === 0 ? 0 : rt.k.allocF32(B * T * 4 * H);
  const cs = cell === 2 ? rt.k.allocF32(B * T * H) : 0;
  const threads = rnnThreads(rt, B, G, H);
  const bar = barrierWords(rt);
  spmd(rt, 'rnnForward', threads, (tid) => [cell, tid, threads, bar, pxp, packed, pbh, ph0, pc0, hs, acts, cs, z, B, T, H, rt.gemmWork[tid]!]);
  const zero = rt.k.allocF32(1);
  rt.k.f32[zero >> 2] = 0;
  return [
    copyOut(rt, backend, hs, [B, T, H]),
    cell === 0 ? copyOut(rt, backend, zero, [1]) : copyOut(rt, backend, acts, [B, T, 4 * H]),
    cell === 2 ? copyOut(rt, backend, cs, [B, T, H]) : copyOut(rt, backend, zero, [1]),
  ];
};

/**
 * inputs dhs [B, T, H], wh, h0, c0 (lstm), hs, acts, cs (the forward's outputs); attrs cell.
 * Outputs dxp, dwh, dh0, then dc0 (lstm) and dbh (gru).
 */
const rnnBackward: Body = (rt, backend, inputs, attrs) => {
  const cellName = attrs.cell as RnnCell;
  const cell = RNN_CELL_ID[cellName];
  const G = RNN_GATES[cellName];
  const dhs = inputs.dhs!;
  const [B, T, H] = dhs.shape as [number, number, number];
  const GH = G * H;
  const pdhs = copyIn(rt, backend, dhs);
  const pwh = copyIn(rt, backend, inputs.wh!);
  const ph0 = copyIn(rt, backend, inputs.h0!);
  const pc0 = cell === 2 ? copyIn(rt, backend, inputs.c0!) : 0;
  const phs = copyIn(rt, backend, inputs.hs!);
  const pacts = cell === 0 ? 0 : copyIn(rt, backend, inputs.acts!);
  const pcs = cell === 2 ? copyIn(rt, backend, inputs.cs!) : 0;
  const packedT = rt.k.alloc(fn(rt, 'packedBFullBytes')(GH, H));
  fn(rt, 'packBFull')(pwh, 1, GH, GH, 0, H, packedT);
  const dxp = rt.k.allocF32(B * T * GH);
  const dhp = cell === 1 ? rt.k.allocF32(B * T * GH) : 0;
  const dh = zeros(rt, B * H);
  const dc = cell === 2 ? zeros(rt, B * H) : 0;
  const threads = rnnThreads(rt, B, G, H);
  const bar = barrierWords(rt);
  spmd(rt, 'rnnBackward', threads, (tid) => [cell, tid, threads, bar, pdhs, packedT, ph0, pc0, phs, pacts, pcs, dxp, dhp, dh, dc, B, T, H, rt.gemmWork[tid]!]);
  // dWh = hPrevᵀ · D over all B·T rows.
  const hPrev = rt.k.allocF32(B * T * H);
  fn(rt, 'shiftStates')(phs, ph0, hPrev, B, T, H);
  const dwh = rt.k.allocF32(H * GH);
  const D = cell === 1 ? dhp : dxp;
  gemm(rt, { A: hPrev, ars: 1, aks: H, B: D, brs: GH, bcs: 1, C: dwh, ldc: GH, m: H, n: GH, k: B * T });
  const out = [copyOut(rt, backend, dxp, [B, T, GH]), copyOut(rt, backend, dwh, [H, GH]), copyOut(rt, backend, dh, [B, H])];
  if (cell === 2) out.push(copyOut(rt, backend, dc, [B, H]));
  if (cell === 1) {
    const dbh = rt.k.allocF32(GH);
    fn(rt, 'columnSumsRange')(dhp, dbh, B * T, GH, 0, GH);
    out.push(copyOut(rt, backend, dbh, [GH]));
  }
  return out;
};

FUSED_KERNELS.ArsRnnForward = kernel(rnnForward);
FUSED_KERNELS.ArsRnnBackward = kernel(rnnBackward);
