import * as tf from '@tensorflow/tfjs';

/**
 * Scales gradients so their global L2 norm is at most `maxNorm`. Returns new tensors (the
 * caller disposes the inputs and outputs) and the norm before clipping as a scalar tensor.
 */
export function clipByGlobalNorm(grads: Readonly<Record<string, tf.Tensor>>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, scale);
    return { grads: out, norm };
  });
}
