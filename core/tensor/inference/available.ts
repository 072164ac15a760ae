import * as tf from '@tensorflow/tfjs';
import { wasmKernels } from '../wasm/module.ts';
import { kernelOn } from '../wasm/runtime.ts';

/**
 * Whether the batch-1 decoders over the project's WebAssembly kernels should be used: the
 * kernels load, are enabled, and tfjs runs on a CPU backend (wasm or cpu; native and GPU
 * backends keep their own path). ARS_KERNELS_DISABLE=decoders turns them off alone.
 */
export function fastDecodersAvailable(): boolean {
  if (!kernelOn('decoders')) return false;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return false;
  return wasmKernels() != null;
}
