/**
 * The one place kernels enter tfjs's `wasm` kernel registry. `registerWasmKernels()` registers,
 * in this order:
 *
 * 1. the tfjs-wasm fixes (tfjsWasmFixes.ts): replacements for kernels tfjs-backend-wasm 4.22
 *    lacks or runs on a scalar loop, built from its own kernels;
 * 2. the project's kernels (projectKernels.ts): hand-written WebAssembly replacing tfjs kernels
 *    — each wraps the kernel registered before it (a fix or the stock one) as its fallback — and
 *    the fused ops.
 *
 * It also says what got registered (`tfjsWasmFixesRegistered`, `projectKernelsStatus`) and
 * whether the fused ops can run now (`projectKernelsActive`, what core/tensor/ops asks).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { PROJECT_FUSED_KERNELS, PROJECT_KERNEL_REPLACEMENTS } from './projectKernels.ts';
import { TFJS_WASM_FIXES, TFJS_WASM_FIXES_RUN } from './tfjsWasmFixes.ts';
import { kernelsUnavailableReason } from './wasm/module.ts';
import { kernelOn, kernelRuntime, kernelsEnabled } from './wasm/runtime.ts';

const WASM = 'wasm';

/**
 * Marks on a kernel config registered here, so registering again (or from a second copy of this
 * module) is a no-op. A project kernel's config keeps the mark of the fix it wraps.
 */
const FIX_MARK = 'arsWasmKernelFix';
const PROJECT_MARK = 'arsKernel';
type Mark = typeof FIX_MARK | typeof PROJECT_MARK;
type MarkedConfig = KernelConfig & { [FIX_MARK]?: true; [PROJECT_MARK]?: true };

function isMarked(name: string, mark: Mark): boolean {
  return (tf.getKernel(name, WASM) as MarkedConfig | undefined)?.[mark] === true;
}

/** Registers `kernelFunc` as the wasm kernel `name`, keeping the previous one's set-up/tear-down. */
function replaceKernel(name: string, kernelFunc: KernelFunc, mark: Mark): void {
  const previous = tf.getKernel(name, WASM);
  const config: MarkedConfig = { ...(previous ?? { kernelName: name, backendName: WASM }), kernelFunc, [mark]: true };
  if (previous != null) tf.unregisterKernel(name, WASM);
  tf.registerKernel(config);
}

// ---------------------------------------------------------------------------------------------
// 1. The tfjs-wasm fixes

let fixesRegistered = false;

/** Throws when the stock kernels are not those of tfjs-backend-wasm 4.22 (then nothing is replaced). */
function registerTfjsWasmFixes(): void {
  if (fixesRegistered) return;
  const pending = TFJS_WASM_FIXES.filter(([name]) => !isMarked(name, FIX_MARK));
  if (pending.length > 0) {
    const stock = (name: string): KernelFunc | undefined => tf.getKernel(name, WASM)?.kernelFunc;
    for (const name of TFJS_WASM_FIXES_RUN) {
      if (stock(name) == null) throw new Error(`wasm kernel fixes: stock wasm kernel '${name}' is missing; is @tensorflow/tfjs-backend-wasm 4.22.0 loaded?`);
    }
    // Every replacement is made from the stock kernels before any is registered.
    const made = pending.map(([name, make]) => [name, make(stock)] as const);
    for (const [name, kernelFunc] of made) replaceKernel(name, kernelFunc, FIX_MARK);
  }
  fixesRegistered = true;
}

/** Whether the fixes are registered in this process's tfjs kernel registry. */
export function tfjsWasmFixesRegistered(): boolean {
  return TFJS_WASM_FIXES.every(([name]) => isMarked(name, FIX_MARK));
}

// ---------------------------------------------------------------------------------------------
// 2. The project's kernels

export interface ProjectKernelsStatus {
  ok: boolean;
  /** 'relaxed' (fused multiply-add) or 'simd'; null when not loaded. */
  variant: string | null;
  threads: number;
  /** Why they are not in use ('' when they are). */
  reason: string;
}

let status: ProjectKernelsStatus | null = null;

/** Loads the kernels and registers them; never throws: the status says whether they are in use and why not. */
function registerProjectKernels(): ProjectKernelsStatus {
  if (status) return status;
  const rt = kernelRuntime();
  if (rt == null) {
    status = { ok: false, variant: null, threads: 1, reason: kernelsUnavailableReason() || 'not available' };
    return status;
  }
  try {
    for (const [name, wrap] of PROJECT_KERNEL_REPLACEMENTS) {
      if (isMarked(name, PROJECT_MARK)) continue;
      const previous = tf.getKernel(name, WASM);
      if (previous == null) throw new Error(`ars kernels: wasm kernel '${name}' is missing`);
      replaceKernel(name, wrap(previous.kernelFunc) as unknown as KernelFunc, PROJECT_MARK);
    }
    for (const [name, kernelFunc] of Object.entries(PROJECT_FUSED_KERNELS)) {
      if (tf.getKernel(name, WASM) == null) tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc });
    }
    status = { ok: true, variant: rt.k.variant, threads: rt.threads, reason: '' };
  } catch (error) {
    status = { ok: false, variant: rt.k.variant, threads: 1, reason: error instanceof Error ? error.message : String(error) };
  }
  return status;
}

/**
 * Registers the tfjs-wasm fixes, then the project's kernels (see the module comment). Idempotent;
 * the wasm kernels must already be registered (import `@tensorflow/tfjs-backend-wasm` first).
 * Throws when the fixes cannot be registered; returns whether the project's kernels are in use.
 */
export function registerWasmKernels(): ProjectKernelsStatus {
  registerTfjsWasmFixes();
  return registerProjectKernels();
}

/** The status of the project's kernels after `registerWasmKernels()`, or null before it. */
export function projectKernelsStatus(): ProjectKernelsStatus | null {
  return status;
}

/**
 * Whether the fused ops can run now: the kernels are registered and the wasm backend is active.
 * With `op`, also that this op is not switched off (ARS_KERNELS_DISABLE, setDisabledKernels).
 */
export function projectKernelsActive(op?: string): boolean {
  return status?.ok === true && kernelsEnabled() && tf.getBackend() === WASM && (op === undefined || kernelOn(op));
}
