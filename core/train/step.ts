import * as tf from '@tensorflow/tfjs';
import type { AdamOptimizer } from './adam.ts';
import { clipByGlobalNorm } from './clipping.ts';

/**
 * One optimisation step over named weights: forward and backward through `loss`, clip the
 * gradients to a global norm of `clipNorm`, then one Adam update with learning rate `lr`.
 * Returns the loss before the update. Every model family trains through this (the trainers
 * and `ars bench`), so what the bench measures is what users get.
 */
export function optimizationStep(
  weights: ReadonlyMap<string, tf.Variable>,
  loss: () => tf.Scalar,
  optimizer: AdamOptimizer,
  lr: number,
  clipNorm: number,
): number {
  const names = [...weights.keys()];
  const variables = names.map((n) => weights.get(n)!);
  const { value, grads } = tf.variableGrads(loss, variables);
  const byName: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => (byName[n] = grads[variables[i]!.name]!));
  const clipped = clipByGlobalNorm(byName, clipNorm);
  optimizer.apply(clipped.grads, lr);
  const result = value.dataSync()[0]!;
  tf.dispose([value, clipped.norm, ...Object.values(grads), ...Object.values(clipped.grads)]);
  return result;
}
