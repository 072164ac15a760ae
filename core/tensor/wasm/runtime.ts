/**
 * The kernels and their threads, set up once per process: `kernelRuntime()` is what every fused
 * op uses. Null when the kernels are disabled (ARS_KERNELS=off) or not built.
 */
import { wasmKernels, type WasmKernels } from './module.ts';
import { defaultThreadCount, ThreadPool, type Task } from './threads.ts';

export interface KernelRuntime {
  readonly k: WasmKernels;
  readonly pool: ThreadPool;
  /** Compute threads, the caller included. */
  readonly threads: number;
  /** Per-thread GEMM packing scratch (never released). */
  readonly gemmWork: readonly number[];
  /**
   * Threads to split work across now: `threads`, or 1 while the pool sees the machine too busy
   * for threads to pay (see ThreadPool.parallelism). Kernels size their splits with this.
   */
  parallelism(): number;
  /** Runs one task per thread (tasks[0] on this thread). */
  run(tasks: readonly Task[]): void;
}

let runtime: KernelRuntime | null | undefined;

export function kernelRuntime(): KernelRuntime | null {
  if (runtime !== undefined) return runtime;
  const k = wasmKernels();
  if (k == null) return (runtime = null);
  const threads = defaultThreadCount();
  const pool = new ThreadPool(k, threads);
  pool.warmUp();
  const workBytes = (k.exports.gemmWorkBytes as () => number)();
  const gemmWork = Array.from({ length: threads }, () => k.alloc(workBytes));
  k.sealPermanent();
  runtime = { k, pool, threads, gemmWork, parallelism: () => pool.parallelism(), run: (tasks) => pool.run(tasks) };
  return runtime;
}

let enabled = true;

/**
 * Switches the project's kernels off (and on again) at run time: replaced tfjs kernels call the
 * ones they replaced and fused ops take their tfjs path. For side-by-side measurements and
 * tests; the kernels stay loaded.
 */
export function setKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function kernelsEnabled(): boolean {
  return enabled;
}

/**
 * Kernels switched off one by one (ARS_KERNELS_DISABLE=gemm,attention,…, or at run time): the
 * names are KERNEL_NAMES. For measuring each kernel's share and for debugging.
 */
export const KERNEL_NAMES = ['gemm', 'basic', 'conv', 'layernorm', 'gelu', 'attention', 'crossentropy', 'adam', 'rnn', 'decoders'] as const;
let disabled = new Set(
  (process.env.ARS_KERNELS_DISABLE ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0),
);

export function setDisabledKernels(names: readonly string[]): void {
  disabled = new Set(names.map((s) => s.trim().toLowerCase()));
}

export function disabledKernels(): string[] {
  return [...disabled];
}

/** Whether the project's kernel `name` (one of KERNEL_NAMES) should run now. */
export function kernelOn(name: string): boolean {
  return enabled && !disabled.has(name);
}
