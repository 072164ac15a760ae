/**
 * Moving tensors between the tfjs-wasm heap and the kernels' shared memory. The kernels have
 * their own (shared) memory so worker threads can use it; a copy costs a memcpy, far less than
 * the work the fused kernels do on the data.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { sizeOf } from '../shapes.ts';
import { kernelProfiling, recordCopy } from '../kernelProfile.ts';
import type { KernelRuntime } from '../wasm/runtime.ts';

/** Copies a float32 or int32 tensor into fresh scratch; returns the pointer. */
export function copyIn(rt: KernelRuntime, backend: BackendWasm, t: TensorInfo): number {
  const t0 = kernelProfiling() ? performance.now() : 0;
  const values = backend.typedArrayFromHeap(t);
  const ptr = rt.k.alloc(values.length * 4);
  if (t.dtype === 'float32') rt.k.f32.set(values as Float32Array, ptr >> 2);
  else if (t.dtype === 'int32') rt.k.i32.set(values as Int32Array, ptr >> 2);
  else throw new Error(`copyIn: dtype ${t.dtype} is not supported`);
  if (t0 !== 0) recordCopy(performance.now() - t0, values.length * 4);
  return ptr;
}

/** A new tfjs-wasm tensor holding `size(shape)` values from `ptr`. */
export function copyOut(rt: KernelRuntime, backend: BackendWasm, ptr: number, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  const t0 = kernelProfiling() ? performance.now() : 0;
  const out = backend.makeOutput(shape, dtype);
  const n = sizeOf(shape);
  if (n === 0) return out;
  const dst = backend.typedArrayFromHeap(out);
  if (dtype === 'float32') (dst as Float32Array).set(rt.k.f32.subarray(ptr >> 2, (ptr >> 2) + n));
  else if (dtype === 'int32') (dst as Int32Array).set(rt.k.i32.subarray(ptr >> 2, (ptr >> 2) + n));
  else throw new Error(`copyOut: dtype ${dtype} is not supported`);
  if (t0 !== 0) recordCopy(performance.now() - t0, n * 4);
  return out;
}
