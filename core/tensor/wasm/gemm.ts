/**
 * C = A·B on the kernels' memory, split across the compute threads when it is big enough to
 * pay for the hand-over. Pointers are byte offsets; strides are in elements:
 * A(i, k) = A[i·ars + k·aks], B(k, j) = B[k·brs + j·bcs], C(i, j) = C[i·ldc + j].
 */
import type { KernelRuntime } from './runtime.ts';
import type { Task } from './threads.ts';

export interface GemmSpec {
  A: number;
  ars: number;
  aks: number;
  B: number;
  brs: number;
  bcs: number;
  C: number;
  ldc: number;
  m: number;
  n: number;
  k: number;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
  /** Pointer to n floats added to every row (0: none). */
  bias?: number;
  relu?: boolean;
}

/** Multiply-adds below which one thread does the whole product. */
export const PARALLEL_MIN_WORK = 1 << 21;
const NR = 16;

function task(rt: KernelRuntime, s: GemmSpec, i0: number, m: number, j0: number, n: number, t: number): Task {
  return {
    fn: 'gemm',
    args: [s.A, s.ars, s.aks, s.B, s.brs, s.bcs, s.C, s.ldc, i0, m, j0, n, s.k, s.accumulate ? 1 : 0, s.bias ?? 0, s.relu ? 1 : 0, rt.gemmWork[t]!],
  };
}

/** Splits [0, total) into `parts` runs aligned to `align`; empty runs dropped. */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(total / align);
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const endUnit = Math.round(((p + 1) * units) / parts);
    const end = Math.min(total, endUnit * align);
    if (end > start) out.push([start, end - start]);
    start = Math.max(start, end);
  }
  return out;
}

export function gemm(rt: KernelRuntime, s: GemmSpec, threads = rt.parallelism()): void {
  if (s.m <= 0 || s.n <= 0) return;
  const T = s.m * s.n * s.k >= PARALLEL_MIN_WORK ? threads : 1;
  if (T <= 1) {
    const t = task(rt, s, 0, s.m, 0, s.n, 0);
    (rt.k.exports.gemm as (...a: number[]) => void)(...t.args);
    return;
  }
  // Many rows: split rows (each thread packs the same B: cheap next to the product).
  // Few rows (a batch of states): split columns by whole panels.
  const tasks: Task[] = [];
  if (s.m >= 16 * T) {
    splitRange(s.m, T, 2).forEach(([i0, m], t) => tasks.push(task(rt, s, i0, m, 0, s.n, t)));
  } else {
    splitRange(s.n, T, NR).forEach(([j0, n], t) => tasks.push(task(rt, s, 0, s.m, j0, n, t)));
  }
  rt.run(tasks);
}
