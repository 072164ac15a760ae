/**
 * The project's own kernels for the tfjs `wasm` backend: hand-written WebAssembly (SIMD, relaxed
 * SIMD where the engine has it, worker threads over a shared memory; sources in
 * core/tensor/wasm/assembly) registered into TensorFlow.js, so models stay tfjs code:
 *
 * - stock kernels replaced: `BatchMatMul`, `_FusedMatMul` (a register-blocked GEMM), `Identity`
 *   (shares data instead of copying), `Sum` (row and column sums without a transpose), `GatherV2` (row copies), `Conv2D`/`FusedConv2D` and both conv gradients (im2col + GEMM for
 *   stride 1, skipping taps whose weights are all zero — the masked taps of a PixelCNN);
 * - fused ops (core/tensor/ops): whole-sequence RNN/GRU/LSTM, causal attention, LayerNorm,
 *   bias+GELU, softmax cross-entropy, the Adam update, masked convolutions — each a tfjs kernel
 *   with its gradient, used by the models through plain functions that fall back to tfjs ops
 *   where the kernels are not available (other backends, ARS_KERNELS=off, no build).
 *
 * Call `registerArsKernels()` after `registerWasmKernelFixes()` (the replaced kernels wrap the
 * fixes as their fallback). Every kernel is checked against the tfjs ops it replaces in
 * tests/core/tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { makeGather, makeIdentity, makeSum } from './kernels/basic.ts';
import { makeConv2D, makeConv2DBackpropFilter, makeConv2DBackpropInput, makeFusedConv2D } from './kernels/conv.ts';
import { FUSED_KERNELS } from './kernels/fused.ts';
import { makeBatchMatMul, makeFusedMatMul } from './kernels/matMul.ts';
import { kernelsUnavailableReason } from './wasm/module.ts';
import { kernelOn, kernelRuntime, kernelsEnabled } from './wasm/runtime.ts';
export { disabledKernels, KERNEL_NAMES, kernelsEnabled, setDisabledKernels, setKernelsEnabled } from './wasm/runtime.ts';

const WASM = 'wasm';
const MARK = 'arsKernel';
type MarkedConfig = KernelConfig & { [MARK]?: true; arsFallback?: KernelFunc };

export interface ArsKernelsStatus {
  ok: boolean;
  /** 'relaxed' (fused multiply-add) or 'simd'; null when not loaded. */
  variant: string | null;
  threads: number;
  /** Why they are not in use ('' when they are). */
  reason: string;
}

let status: ArsKernelsStatus | null = null;

function isMarked(name: string): boolean {
  return (tf.getKernel(name, WASM) as MarkedConfig | undefined)?.[MARK] === true;
}

/** Replaces the wasm kernel `name` by `make(previous)`, keeping the previous one as fallback. */
function replace(name: string, make: (fallback: KernelFunc) => (args: never) => unknown): void {
  if (isMarked(name)) return;
  const previous = tf.getKernel(name, WASM);
  if (previous == null) throw new Error(`ars kernels: wasm kernel '${name}' is missing`);
  const config: MarkedConfig = {
    ...previous,
    kernelFunc: make(previous.kernelFunc) as unknown as KernelFunc,
    [MARK]: true,
    arsFallback: previous.kernelFunc,
  };
  tf.unregisterKernel(name, WASM);
  tf.registerKernel(config);
}

/** Registers a new kernel (a fused op) for wasm. */
export function addKernel(name: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(name, WASM) != null) return;
  tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc });
}

/**
 * Loads the kernels and registers them with tfjs's wasm backend. Idempotent; never throws:
 * the status says whether they are in use and why not.
 */
export function registerArsKernels(): ArsKernelsStatus {
  if (status) return status;
  const rt = kernelRuntime();
  if (rt == null) {
    status = { ok: false, variant: null, threads: 1, reason: kernelsUnavailableReason() || 'not available' };
    return status;
  }
  try {
    replace('BatchMatMul', makeBatchMatMul);
    replace('_FusedMatMul', makeFusedMatMul);
    replace('Identity', makeIdentity);
    replace('Sum', makeSum);
    replace('GatherV2', makeGather);
    replace('Conv2D', makeConv2D);
    replace('FusedConv2D', makeFusedConv2D);
    replace('Conv2DBackpropInput', makeConv2DBackpropInput);
    replace('Conv2DBackpropFilter', makeConv2DBackpropFilter);
    for (const [name, kernelFunc] of Object.entries(FUSED_KERNELS)) addKernel(name, kernelFunc);
    status = { ok: true, variant: rt.k.variant, threads: rt.threads, reason: '' };
  } catch (error) {
    status = { ok: false, variant: rt.k.variant, threads: 1, reason: error instanceof Error ? error.message : String(error) };
  }
  return status;
}

/** The status of the last `registerArsKernels()`, or null before it. */
export function arsKernelsStatus(): ArsKernelsStatus | null {
  return status;
}

/**
 * Whether the fused ops can run now: the kernels are registered and the wasm backend is active.
 * With `op`, also that this op is not switched off (ARS_KERNELS_DISABLE, setDisabledKernels).
 */
export function arsKernelsActive(op?: string): boolean {
  return status?.ok === true && kernelsEnabled() && tf.getBackend() === WASM && (op === undefined || kernelOn(op));
}
