import * as tf from '@tensorflow/tfjs';

type KernelInputs = Record<string, tf.TensorInfo | tf.TensorInfo[]>;
interface KernelBackend {
  disposeData(dataId: object): void;
}

let registered = false;

/**
 * Kernel fixes for tfjs-backend-webgpu 4.22 on Dawn's Node binding:
 * - AddN: its packed shader fails Dawn's validation ("Invalid ComputePipeline AddNPackedProgram2",
 *   seen on an NVIDIA H200, driver 580), which silently breaks every gradient that sums several
 *   paths (residual connections, tied embeddings) and the global norm for clipping. Replaced by
 *   a chain of the backend's own binary Add.
 */
export function registerWebgpuKernelFixes(): void {
  if (registered) return;
  const add = tf.getKernel('Add', 'webgpu');
  if (!add) return;
  if (tf.getKernel('AddN', 'webgpu')) tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      // AddN's inputs are the tensors themselves, as an array (not a named map).
      const tensors = (Array.isArray(inputs) ? inputs : Object.values(inputs as KernelInputs)) as tf.TensorInfo[];
      const be = backend as unknown as KernelBackend;
      if (tensors.length === 1) {
        const identity = tf.getKernel('Identity', 'webgpu')!;
        return identity.kernelFunc({ inputs: { x: tensors[0]! }, backend, attrs: {} }) as tf.TensorInfo;
      }
      let sum = add.kernelFunc({ inputs: { a: tensors[0]!, b: tensors[1]! }, backend, attrs: {} }) as tf.TensorInfo;
      for (let i = 2; i < tensors.length; i++) {
        const next = add.kernelFunc({ inputs: { a: sum, b: tensors[i]! }, backend, attrs: {} }) as tf.TensorInfo;
        be.disposeData(sum.dataId);
        sum = next;
      }
      return sum;
    },
  });
  registered = true;
}
