import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

/** Additive causal mask [Tq, Tk] for queries at positions Tk−Tq … Tk−1: 0 where allowed, −1e9 above the diagonal. */
export function causalMask(tq: number, tk: number): tf.Tensor2D {
  const data = new Float32Array(tq * tk);
  const offset = tk - tq;
  for (let i = 0; i < tq; i++) for (let j = offset + i + 1; j < tk; j++) data[i * tk + j] = -1e9;
  return tf.tensor2d(data, [tq, tk]);
}

/** [B, T, D] → [B, heads, T, D/heads]. */
export function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [B, T, D] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, heads, D / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/**
 * Multi-head self-attention with plain tfjs ops: qkv [B, T, 3D] (q | k | v) → [B, T, D], heads
 * merged; `mask` an additive [T, T] mask or null.
 */
export function selfAttentionReference(qkv: tf.Tensor3D, heads: number, mask: tf.Tensor2D | null): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, threeD] = qkv.shape;
    const D = threeD / 3;
    const [q, k, v] = tf.split(qkv, 3, 2) as tf.Tensor3D[];
    const qh = splitHeads(q!, heads);
    const kh = splitHeads(k!, heads);
    const vh = splitHeads(v!, heads);
    let scores = tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(D / heads)) as tf.Tensor4D;
    if (mask) scores = tf.add(scores, mask);
    const att = tf.matMul(tf.softmax(scores), vh) as tf.Tensor4D;
    return tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B, T, D]) as tf.Tensor3D;
  });
}

const fused = (heads: number, causal: boolean) =>
  customOp(([qkv], save) => {
    const [out, probs] = tf.engine().runKernel('ArsAttention', { qkv: qkv! }, { heads, causal }) as tf.Tensor[];
    save([qkv!, probs!]);
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel('ArsAttentionGrad', { dy, qkv: saved[0]!, probs: saved[1]! }, { heads }) as tf.Tensor,
    };
  });

const fusedOps = new Map<string, (qkv: tf.Tensor) => tf.Tensor>();

/**
 * Multi-head self-attention over packed projections qkv [B, T, 3D] → [B, T, D] (heads merged),
 * causal (each position sees itself and those before it) or bidirectional. One fused kernel
 * (forward and backward) on wasm with the project's kernels; tfjs ops elsewhere.
 */
export function selfAttention(qkv: tf.Tensor3D, heads: number, causal: boolean): tf.Tensor3D {
  const D = qkv.shape[2] / 3;
  if (!projectKernelsActive('attention') || qkv.dtype !== 'float32' || D % heads !== 0) {
    return tf.tidy(() => {
      const T = qkv.shape[1];
      return selfAttentionReference(qkv, heads, causal ? causalMask(T, T) : null);
    });
  }
  const key = `${heads}/${causal}`;
  let f = fusedOps.get(key);
  if (!f) fusedOps.set(key, (f = fused(heads, causal)));
  return f(qkv) as tf.Tensor3D;
}
