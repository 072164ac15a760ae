import * as tf from '@tensorflow/tfjs';
import type { AdamOptimizer } from './adam.ts';

/**
 * One optimisation step over named weights: forward and backward through `loss`, clip the
 * gradients to a global norm of `clipNorm`, then one Adam update with learning rate `lr`.
 * Resolves to the loss before the update, read asynchronously: the WebGPU backend cannot read
 * GPU memory synchronously in Node. Every model family trains through this (the trainers and
 * `ars bench`), so what the bench measures is what users get.
 */
export async function optimizationStep(
  weights: ReadonlyMap<string, tf.Variable>,
  loss: () => tf.Scalar,
  optimizer: AdamOptimizer,
  lr: number,
  clipNorm: number,
): Promise<number> {
  const names = [...weights.keys()];
  const variables = names.map((n) => weights.get(n)!);
  const { value, grads } = tf.variableGrads(loss, variables);
  const byName: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => (byName[n] = grads[variables[i]!.name]!));
  const norm = optimizer.step(byName, lr, clipNorm);
  tf.dispose([norm, ...Object.values(grads)]);
  try {
    return (await value.data())[0]!;
  } finally {
    value.dispose();
  }
}
