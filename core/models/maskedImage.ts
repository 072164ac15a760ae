import * as tf from '@tensorflow/tfjs';
import { maskedConv2d } from '../tensor/ops/maskedConv.ts';
import type { MaskedImageConfig } from './maskedImageConfig.ts';

/**
 * A masked image model for binary images: given some pixels known and the rest masked, one
 * Bernoulli logit for every pixel at once (the non-autoregressive counterpart of the PixelCNN).
 *
 *   x  = [value · known, known]                          2 channels (unknown values read as 0)
 *   h₀ = relu(conv3×3(x) + b)                            2 → C
 *   hₗ = hₗ₋₁ + relu(conv3×3,dₗ(hₗ₋₁) + b)   l = 1..L    C → C, taps dₗ pixels apart
 *   o  = relu(1×1(h_L) + b)                              C → hiddenOut
 *   z  = 1×1(o) + b                                      hiddenOut → 1
 *
 * No masks on the kernels: every pixel sees every other within the receptive field
 * (maskedImageReceptiveField; the default covers the whole image). A dilated convolution runs
 * as the plain 3×3 convolution on the d² interleaved sub-grids of the image (space-to-grids),
 * so it trains through the project's convolution kernels (tfjs has no gradient for dilations).
 * Trained with binary cross-entropy on the masked pixels only.
 */

/** Binary images and known-masks (N × side² bytes each) as the model's two inputs [N, side, side, 1]. */
export function imagesAndMasksToTensors(images: Uint8Array, known: Uint8Array, count: number, side = 28): { images: tf.Tensor4D; known: tf.Tensor4D } {
  const n = count * side * side;
  if (images.length < n || known.length < n) throw new Error(`expected ${count} images and masks of ${side}×${side}`);
  const x = new Float32Array(n);
  const k = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = images[i]!;
    k[i] = known[i] ? 1 : 0;
  }
  return { images: tf.tensor4d(x, [count, side, side, 1]), known: tf.tensor4d(k, [count, side, side, 1]) };
}

/** Element-wise max(z, 0) − z·x + log(1 + e^−|z|) = −log p(x | z), the stable sigmoid cross-entropy. */
export function sigmoidCrossEntropyElements(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/**
 * [B, h·d, w·d, C] → [d²·B, h, w, C]: the d × d interleaved sub-grids as a batch (sub-grid
 * (dy, dx) at batch dx·d·B + dy·B + b holds pixels (i·d + dy, j·d + dx)). Built from rank-3
 * and rank-4 transposes only: tfjs's spaceToBatchND takes a rank-6 transpose, several times
 * slower on wasm.
 */
export function spaceToGrids(x: tf.Tensor4D, d: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const h = H / d;
    const w = W / d;
    const rows = tf.transpose(tf.reshape(x, [B * h, d, w, d * C]), [1, 0, 2, 3]);
    return tf.reshape(tf.transpose(tf.reshape(rows, [d * B * h * w, d, C]), [1, 0, 2]), [d * d * B, h, w, C]) as tf.Tensor4D;
  });
}

/** The inverse of spaceToGrids: [d²·B, h, w, C] → [B, h·d, w·d, C]. */
export function gridsToSpace(y: tf.Tensor4D, d: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [N, h, w, C] = y.shape;
    const B = N / (d * d);
    const cols = tf.transpose(tf.reshape(y, [d, d * B * h * w, C]), [1, 0, 2]);
    return tf.reshape(tf.transpose(tf.reshape(cols, [d, B * h, w, d * C]), [1, 0, 2, 3]), [B, h * d, w * d, C]) as tf.Tensor4D;
  });
}

/**
 * act(conv3×3 with taps `d` apart (x) + b), 'same' zero padding: the plain convolution over the
 * d × d interleaved sub-grids (padded at the bottom and right to a multiple of d, cropped after).
 */
export function dilatedConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, d: number, relu: boolean): tf.Tensor4D {
  if (d === 1) return maskedConv2d(x, w, b, null, { relu });
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    const padH = (d - (H % d)) % d;
    const padW = (d - (W % d)) % d;
    const padded = padH || padW ? (tf.pad(x, [[0, 0], [0, padH], [0, padW], [0, 0]]) as tf.Tensor4D) : x;
    const y = gridsToSpace(maskedConv2d(spaceToGrids(padded, d), w, b, null, { relu }), d);
    return padH || padW ? (tf.slice(y, [0, 0, 0, 0], [-1, H, W, -1]) as tf.Tensor4D) : y;
  });
}

let nextModelId = 0;

/** The masked image model; trained with `loss`, queried with `logits` (or `probabilities`). */
export class MaskedImageModel {
  /** Trainable weights by stable name (the names are the checkpoint format). */
  readonly weights: Map<string, tf.Variable>;

  constructor(
    readonly config: MaskedImageConfig,
    seed = 1,
  ) {
    const { channels: C, dilations, hiddenOut: Hout } = config;
    this.weights = new Map();
    const id = nextModelId++;
    let s = seed * 7919;
    // tfjs variable names are global to the engine: keep ours unique, and key the map by the stable name.
    const add = (key: string, init: tf.Tensor) => {
      this.weights.set(key, tf.variable(init, true, `masked-image/${key}#${id}`));
      init.dispose();
    };
    /** Uniform ±1/√fan-in (PyTorch's default scale), zero biases. */
    const layer = (name: string, side: number, cin: number, cout: number) => {
      const bound = 1 / Math.sqrt(side * side * cin);
      add(`${name}/w`, tf.randomUniform([side, side, cin, cout], -bound, bound, 'float32', s++));
      add(`${name}/b`, tf.zeros([cout]));
    };
    layer('in', 3, 2, C);
    dilations.forEach((_, l) => layer(`block${l + 1}`, 3, C, C));
    layer('hidden', 1, C, Hout);
    layer('out', 1, Hout, 1);
  }

  private w(name: string): tf.Tensor4D {
    return this.weights.get(`${name}/w`)! as tf.Tensor4D;
  }

  private b(name: string): tf.Tensor1D {
    return this.weights.get(`${name}/b`)! as tf.Tensor1D;
  }

  /**
   * Logits [B, H, W, 1] for images and known-masks [B, H, W, 1] (0/1 floats). Values where the
   * mask is 0 are never read. Differentiable.
   */
  logits(images: tf.Tensor4D, known: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = maskedConv2d(tf.concat([tf.mul(images, known), known], 3) as tf.Tensor4D, this.w('in'), this.b('in'), null, { relu: true, inputGrad: false });
      this.config.dilations.forEach((d, l) => {
        h = tf.add(h, dilatedConv(h, this.w(`block${l + 1}`), this.b(`block${l + 1}`), d, true));
      });
      const o = maskedConv2d(h, this.w('hidden'), this.b('hidden'), null, { relu: true, pad: 'valid' });
      return maskedConv2d(o, this.w('out'), this.b('out'), null, { relu: false, pad: 'valid' });
    });
  }

  /** Mean binary cross-entropy over the masked (unknown) pixels, nats per masked pixel. */
  loss(images: tf.Tensor4D, known: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => {
      const unknown = tf.sub(1, known);
      const total = tf.sum(tf.mul(sigmoidCrossEntropyElements(this.logits(images, known), images), unknown));
      return tf.div(total, tf.maximum(tf.sum(unknown), 1)) as tf.Scalar;
    });
  }

  /**
   * −log p of the masked pixels over `count` images with their known-masks (N × side² bytes
   * each), in batches, without gradients: nats per masked pixel, and per image (the masked
   * pixels' total, averaged over images).
   */
  async maskedNll(images: Uint8Array, known: Uint8Array, count: number, batch = 64, side = 28): Promise<MaskedNll> {
    const P = side * side;
    let nats = 0;
    let masked = 0;
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const sums = tf.tidy(() => {
        const t = imagesAndMasksToTensors(images.subarray(start * P, (start + n) * P), known.subarray(start * P, (start + n) * P), n, side);
        const unknown = tf.sub(1, t.known);
        return tf.stack([tf.sum(tf.mul(sigmoidCrossEntropyElements(this.logits(t.images, t.known), t.images), unknown)), tf.sum(unknown)]);
      });
      try {
        const [a, b] = await sums.data();
        nats += a!;
        masked += b!;
      } finally {
        sums.dispose();
      }
    }
    return { natsPerMaskedPixel: masked > 0 ? nats / masked : NaN, natsPerImage: count > 0 ? nats / count : NaN, maskedPixels: masked };
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
  }
}

export interface MaskedNll {
  natsPerMaskedPixel: number;
  natsPerImage: number;
  /** Masked pixels counted, over all images. */
  maskedPixels: number;
}

/**
 * The baseline a masked model must beat: each pixel predicted by its own marginal, how often it
 * is ink in `train` (smoothed by one pseudo-count each way), ignoring the known pixels. The same
 * numbers as MaskedImageModel.maskedNll, for the same images and masks.
 */
export function pixelMarginalNll(train: Uint8Array, images: Uint8Array, known: Uint8Array, count: number, side = 28): MaskedNll {
  const P = side * side;
  const trainCount = train.length / P;
  const ink = new Float64Array(P);
  for (let n = 0; n < trainCount; n++) for (let i = 0; i < P; i++) ink[i]! += train[n * P + i]!;
  const p = Array.from(ink, (c) => (c + 1) / (trainCount + 2));
  let nats = 0;
  let masked = 0;
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < P; i++) {
      if (known[n * P + i]) continue;
      nats -= Math.log(images[n * P + i] ? p[i]! : 1 - p[i]!);
      masked++;
    }
  }
  return { natsPerMaskedPixel: masked > 0 ? nats / masked : NaN, natsPerImage: count > 0 ? nats / count : NaN, maskedPixels: masked };
}
