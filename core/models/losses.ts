import type * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy as crossEntropy } from '../tensor/ops/crossEntropy.ts';

/**
 * Mean softmax cross-entropy (nats) of `logits` [..., V] against int32 class ids with the
 * same leading shape; with `weights` (the ids' shape), Σ w·nll / max(Σ w, 1). One fused kernel
 * on wasm with the project's kernels (core/tensor/ops/crossEntropy.ts), tfjs ops elsewhere.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return crossEntropy(logits, targets, weights);
}
