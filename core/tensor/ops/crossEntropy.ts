import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

/**
 * Softmax cross-entropy (nats) of logits [..., V] against int32 class ids of the leading shape,
 * with plain tfjs ops: the mean over rows, or with `weights` (same shape as the ids)
 * Σ w·nll / max(Σ w, 1). `oneHot(...).toFloat()`: a float oneHot is wrong on stock wasm 4.22.
 */
export function softmaxCrossEntropyReference(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[logits.shape.length - 1]!;
    const logp = tf.logSoftmax(logits.reshape([-1, v]));
    const onehot = tf.oneHot(targets.reshape([-1]).toInt(), v).toFloat();
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1));
    if (!weights) return tf.mean(nll) as tf.Scalar;
    const w = weights.reshape([-1]);
    return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
  });
}

function fusedLoss(logits: tf.Tensor, targets: tf.Tensor, weights: tf.Tensor | undefined): tf.Scalar {
  const v = logits.shape[logits.shape.length - 1]!;
  const flat = logits.reshape([-1, v]);
  const ids = targets.reshape([-1]).toInt();
  const w = weights ? weights.reshape([-1]).toFloat() : undefined;
  const f = customOp(([z], save) => {
    const nll = tf.engine().runKernel('ArsCrossEntropy', { logits: z!, targets: ids }, {}) as tf.Tensor;
    const denom = w ? tf.maximum(tf.sum(w), 1) : tf.scalar(nll.shape[0]!);
    const value = (w ? tf.div(tf.sum(tf.mul(nll, w)), denom) : tf.div(tf.sum(nll), denom)) as tf.Scalar;
    save(w ? [z!, ids, denom, w] : [z!, ids, denom]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sz, sids, sdenom, sw] = saved;
        const coef = tf.div(dy, sdenom!);
        const inputs: Record<string, tf.Tensor> = { logits: sz!, targets: sids!, coef };
        if (sw) inputs.weights = sw;
        return tf.engine().runKernel('ArsCrossEntropyGrad', inputs, {}) as tf.Tensor;
      },
    };
  });
  return f(flat) as tf.Scalar;
}

/**
 * Softmax cross-entropy (nats): the mean over rows, or with `weights` Σ w·nll / max(Σ w, 1).
 * One fused kernel (forward and backward) on wasm with the project's kernels; tfjs ops elsewhere.
 * Targets outside [0, V) count as zero loss (a zero one-hot row) on both paths.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  if (!projectKernelsActive('crossentropy') || logits.dtype !== 'float32') return softmaxCrossEntropyReference(logits, targets, weights);
  return tf.tidy(() => fusedLoss(logits, targets, weights));
}
