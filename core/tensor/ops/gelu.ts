import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

/** GELU, tanh approximation (as in GPT-2), with plain tfjs ops. */
export function geluReference(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

const fused = customOp(([x, bias], save) => {
  const y = tf.engine().runKernel('ArsBiasGelu', { x: x!, bias: bias! }, {}) as tf.Tensor;
  save([x!, bias!]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel('ArsBiasGeluGrad', { dy, x: saved[0]!, bias: saved[1]! }, {}) as tf.Tensor[],
  };
});

/**
 * gelu(x + bias), bias over the last dimension of x. One fused kernel (forward and backward) on
 * wasm with the project's kernels; tfjs ops elsewhere.
 */
export function biasGelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const n = x.shape[x.rank - 1];
  if (!projectKernelsActive('gelu') || x.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== n) {
    return tf.tidy(() => geluReference(tf.add(x, bias)));
  }
  return fused(x, bias);
}
