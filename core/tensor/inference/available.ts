import * as tf from '@tensorflow/tfjs';
import { wasmKernels } from '../wasm/module.ts';
import { kernelOn } from '../wasm/runtime.ts';

/**
 * Whether the batch-1 decoders over the project's WebAssembly kernels should be used: the
 * kernels load, are enabled, and tfjs runs on wasm, cpu or webgpu (native backends keep their
 * own path). On webgpu they are what makes text sampling possible at all: tfjs-backend-webgpu
 * cannot read GPU memory synchronously in Node, so the weights are first copied to host memory
 * (tensor/hostCopy.ts) and these decoders run on the CPU (batch-1 decoding is CPU work anyway).
 * ARS_KERNELS_DISABLE=decoders turns them off alone.
 */
export function fastDecodersAvailable(): boolean {
  if (!kernelOn('decoders')) return false;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu' && backend !== 'webgpu') return false;
  return wasmKernels() != null;
}
