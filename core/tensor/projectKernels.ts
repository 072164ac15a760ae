/**
 * The project's own kernels for the tfjs `wasm` backend: hand-written WebAssembly (SIMD, relaxed
 * SIMD where the engine has it, worker threads over a shared memory; sources in
 * core/tensor/wasm/assembly, loaded by core/tensor/wasm/module.ts, their tfjs wrappers in
 * core/tensor/kernels/), registered into TensorFlow.js so models stay tfjs code:
 *
 * - stock kernels replaced: `BatchMatMul`, `_FusedMatMul` (a register-blocked GEMM), `Identity`
 *   (shares data instead of copying), `Sum` (row and column sums without a transpose), `GatherV2`
 *   (row copies), `Conv2D`/`FusedConv2D` and both conv gradients (im2col + GEMM for stride 1,
 *   skipping taps whose weights are all zero — the masked taps of a PixelCNN);
 * - fused ops (core/tensor/ops): whole-sequence RNN/GRU/LSTM, causal attention, LayerNorm,
 *   bias+GELU, softmax cross-entropy, the Adam update, masked convolutions — each a tfjs kernel
 *   with its gradient, used by the models through plain functions that fall back to tfjs ops
 *   where the kernels are not available (other backends, ARS_KERNELS=off, no build).
 *
 * Not to be confused with tfjsWasmFixes.ts (replacements for tfjs-wasm 4.22's missing or slow
 * kernels, built from tfjs-wasm's own kernels). wasmKernelRegistry.ts registers both, the fixes
 * first: a replaced kernel here keeps the kernel registered before it — a fix or the stock one —
 * as its fallback. Every kernel is checked against the tfjs ops it replaces in tests/core/tensor.
 */
import type { KernelFunc } from '@tensorflow/tfjs';
import { makeGather, makeIdentity, makeSum } from './kernels/basic.ts';
import { makeConv2D, makeConv2DBackpropFilter, makeConv2DBackpropInput, makeFusedConv2D } from './kernels/conv.ts';
import { FUSED_KERNELS } from './kernels/fused.ts';
import { makeBatchMatMul, makeFusedMatMul } from './kernels/matMul.ts';
export { disabledKernels, KERNEL_NAMES, kernelsEnabled, setDisabledKernels, setKernelsEnabled } from './wasm/runtime.ts';

/** Wraps the kernel registered before it (its fallback) into the project's kernel. */
export type KernelWrapper = (fallback: KernelFunc) => (args: never) => unknown;

/** tfjs kernels the project's kernels replace, in registration order. */
export const PROJECT_KERNEL_REPLACEMENTS: ReadonlyArray<readonly [name: string, wrap: KernelWrapper]> = [
  ['BatchMatMul', makeBatchMatMul],
  ['_FusedMatMul', makeFusedMatMul],
  ['Identity', makeIdentity],
  ['Sum', makeSum],
  ['GatherV2', makeGather],
  ['Conv2D', makeConv2D],
  ['FusedConv2D', makeFusedConv2D],
  ['Conv2DBackpropInput', makeConv2DBackpropInput],
  ['Conv2DBackpropFilter', makeConv2DBackpropFilter],
];

/** Kernels the project adds (the fused ops of core/tensor/ops): kernel name → kernel. */
export const PROJECT_FUSED_KERNELS: Readonly<Record<string, KernelFunc>> = FUSED_KERNELS;
