import type * as tf from '@tensorflow/tfjs';

/**
 * Makes the tensors' values readable synchronously from host memory. On CPU backends they are
 * there already; on webgpu (no synchronous reads in Node) each one is downloaded once and tfjs
 * keeps the copy beside the GPU buffer, so the batch-1 CPU decoders can read model weights.
 * The copy belongs to the tensor: a variable assigned new values needs this again.
 */
export async function readableOnHost(tensors: Iterable<tf.Tensor>): Promise<void> {
  await Promise.all(Array.from(tensors, (t) => t.data()));
}
