import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

/** LayerNorm over the last dimension with plain tfjs ops (the reference the fused kernel matches). */
export function layerNormReference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
  });
}

const fused = (eps: number) =>
  customOp(([x, g, b], save) => {
    const [y, mean, rstd] = tf.engine().runKernel('ArsLayerNorm', { x: x!, g: g!, b: b! }, { eps }) as tf.Tensor[];
    save([x!, g!, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr] = saved;
        return tf.engine().runKernel('ArsLayerNormGrad', { dy, x: sx!, g: sg!, mean: sm!, rstd: sr! }, {}) as tf.Tensor[];
      },
    };
  });

const fusedByEps = new Map<number, (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor>();

/**
 * (x − mean)/√(var + eps)·g + b over the last dimension of x, g and b of that size. One fused
 * kernel (forward and backward) on wasm with the project's kernels; tfjs ops elsewhere.
 */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  if (!projectKernelsActive('layernorm') || x.dtype !== 'float32' || g.rank !== 1 || b.rank !== 1) return layerNormReference(x, g, b, eps);
  let f = fusedByEps.get(eps);
  if (!f) fusedByEps.set(eps, (f = fused(eps)));
  return f(x, g, b);
}
