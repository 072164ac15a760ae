import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy (nats) of `logits` [..., V] against int32 class ids with the
 * same leading shape. `oneHot(...).toFloat()` rather than a float oneHot: the latter is wrong
 * on wasm 4.22.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[logits.shape.length - 1]!;
    const flat = logits.reshape([-1, v]);
    const logp = tf.logSoftmax(flat);
    const onehot = tf.oneHot(targets.reshape([-1]).toInt(), v).toFloat();
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), -1))) as tf.Scalar;
  });
}
