import * as tf from '@tensorflow/tfjs';
import { maskedConv2d } from '../tensor/ops/maskedConv.ts';
import type { PixelCnnConfig } from './pixelcnnConfig.ts';

/**
 * PixelCNN for binary images (van den Oord et al. 2016), one Bernoulli logit per pixel:
 *
 *   h₀ = relu(maskA_{k₀×k₀}(x) + b)                    1 → C
 *   hₗ = hₗ₋₁ + relu(maskB_{k×k}(hₗ₋₁) + b)   l = 1..L   C → C (residual blocks)
 *   o  = relu(1×1(h_L) + b)                             C → hiddenOut
 *   z  = 1×1(o) + b                                     hiddenOut → 1
 *
 * Masks are constant {0,1} kernels multiplied into the weights: type A (first layer) sees
 * only the pixels strictly before the centre in raster order, type B also the centre. So
 * the logit at pixel p depends only on input pixels before p. The input is the image itself
 * (0 = background, 1 = ink); 'same' zero padding reads as background.
 *
 * The logit at row r depends only on input rows r − `pixelCnnReach(config)` … r, and
 * columns within the same distance: core/generate/pixelcnnSampling.ts relies on this.
 */

/** Where a mask lets a kernel tap through: 1 above the centre row, left of the centre, and (type B) the centre. */
export function convMask(side: number, type: 'A' | 'B'): Float32Array {
  const mask = new Float32Array(side * side);
  const centre = (side - 1) / 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const open = y < centre || (y === centre && (x < centre || (type === 'B' && x === centre)));
      mask[y * side + x] = open ? 1 : 0;
    }
  }
  return mask;
}

/** How far (rows up, and columns either side) the logit at a pixel can see into the input. */
export function pixelCnnReach(config: PixelCnnConfig): number {
  return (config.firstKernel - 1) / 2 + config.residualBlocks * ((config.kernel - 1) / 2);
}

/** Mean sigmoid cross-entropy (nats per pixel) → NLL in nats per image. */
export function natsPerImage(meanLoss: number, pixels = 784): number {
  return meanLoss * pixels;
}

/** Mean sigmoid cross-entropy (nats per pixel) → bits per dimension. */
export function bitsPerDim(meanLoss: number): number {
  return meanLoss / Math.LN2;
}

/** Binary images (N × side² bytes of 0/1) as a float tensor [N, side, side, 1]. */
export function imagesToTensor(images: Uint8Array, count: number, side = 28): tf.Tensor4D {
  const n = count * side * side;
  if (images.length < n) throw new Error(`expected ${count} images of ${side}×${side}, got ${images.length} values`);
  const floats = new Float32Array(n);
  for (let i = 0; i < n; i++) floats[i] = images[i]!;
  return tf.tensor4d(floats, [count, side, side, 1]);
}

/**
 * The mean sigmoid cross-entropy max(z, 0) − z·x + log(1 + e^−|z|) over every element,
 * the numerically stable form of −x·log σ(z) − (1 − x)·log(1 − σ(z)).
 */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))))) as tf.Scalar);
}

/** One layer of the network: a (masked) kernel and its bias. */
interface ConvWeights {
  w: tf.Variable;
  b: tf.Variable;
}

/**
 * The network with its masks multiplied in once, for inference: the sampler runs these layer
 * functions on the whole image, on bands of rows or on single-position patches, and gets the
 * same numbers for the same positions (the kernels and the op sequence are the same).
 * Dispose when done.
 */
export class PixelCnnInference {
  /** Masked kernels and biases: [first, ...blocks, hidden, out]. */
  private readonly kernels: tf.Tensor4D[];
  private readonly biases: tf.Tensor1D[];

  constructor(
    readonly config: PixelCnnConfig,
    kernels: tf.Tensor4D[],
    biases: tf.Tensor1D[],
  ) {
    this.kernels = kernels;
    this.biases = biases;
  }

  get blocks(): number {
    return this.config.residualBlocks;
  }

  /** relu(maskA(x) + b): [B, H, W, 1] → [B, H', W', C]. 'valid' on a k₀×k₀ patch gives one position. */
  first(x: tf.Tensor4D, pad: 'same' | 'valid' = 'same'): tf.Tensor4D {
    return tf.fused.conv2d({ x, filter: this.kernels[0]!, strides: 1, pad, bias: this.biases[0]!, activation: 'relu' });
  }

  /** relu(maskB(h) + b) of block `l` (1-based), without the residual sum. */
  blockBranch(l: number, h: tf.Tensor4D, pad: 'same' | 'valid' = 'same'): tf.Tensor4D {
    return tf.fused.conv2d({ x: h, filter: this.kernels[l]!, strides: 1, pad, bias: this.biases[l]!, activation: 'relu' });
  }

  /** The two 1×1 layers: [B, H, W, C] → logits [B, H, W, 1]. */
  head(h: tf.Tensor4D): tf.Tensor4D {
    const L = this.config.residualBlocks;
    const o = tf.fused.conv2d({ x: h, filter: this.kernels[L + 1]!, strides: 1, pad: 'valid', bias: this.biases[L + 1]!, activation: 'relu' });
    return tf.fused.conv2d({ x: o, filter: this.kernels[L + 2]!, strides: 1, pad: 'valid', bias: this.biases[L + 2]! });
  }

  /** Every residual-stream activation [h₀ … h_L] and the logits, for the whole input. Caller disposes. */
  activations(x: tf.Tensor4D): { hidden: tf.Tensor4D[]; logits: tf.Tensor4D } {
    return tf.tidy(() => {
      const hidden: tf.Tensor4D[] = [this.first(x)];
      for (let l = 1; l <= this.config.residualBlocks; l++) {
        const h = hidden[l - 1]!;
        hidden.push(tf.add(h, this.blockBranch(l, h)));
      }
      return { hidden, logits: this.head(hidden.at(-1)!) };
    });
  }

  /** Logits [B, H, W, 1] for images [B, H, W, 1] (any height and width). */
  logits(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.first(x);
      for (let l = 1; l <= this.config.residualBlocks; l++) h = tf.add(h, this.blockBranch(l, h));
      return this.head(h);
    });
  }

  dispose(): void {
    tf.dispose([...this.kernels, ...this.biases]);
    this.kernels.length = 0;
    this.biases.length = 0;
  }
}

let nextModelId = 0;

/** A PixelCNN over binary images; trained with `loss`, sampled through `inference()`. */
export class PixelCnnModel {
  /** Trainable weights by stable name (the names are the checkpoint format). */
  readonly weights: Map<string, tf.Variable>;
  private readonly layers: ConvWeights[];
  /** One mask per masked layer ([k, k, 1, 1], broadcast over channels); the 1×1 layers have none. */
  private readonly masks: (tf.Tensor4D | null)[];

  constructor(
    readonly config: PixelCnnConfig,
    seed = 1,
  ) {
    const { channels: C, residualBlocks: L, kernel: k, firstKernel: k0, hiddenOut: Hout } = config;
    if (k % 2 !== 1 || k0 % 2 !== 1) throw new Error('PixelCNN kernel sides must be odd');
    this.weights = new Map();
    this.layers = [];
    this.masks = [];
    const id = nextModelId++;
    let s = seed * 7919;
    // tfjs variable names are global to the engine: keep ours unique, and key the map by the stable name.
    const add = (key: string, init: tf.Tensor) => {
      const v = tf.variable(init, true, `pixelcnn/${key}#${id}`);
      init.dispose();
      this.weights.set(key, v);
      return v;
    };
    /** Uniform ±1/√fan-in, counting only the taps the mask lets through (PyTorch's default scale). */
    const layer = (name: string, side: number, cin: number, cout: number, mask: 'A' | 'B' | null) => {
      const open = mask ? convMask(side, mask).reduce((a, b) => a + b, 0) : side * side;
      const bound = 1 / Math.sqrt(open * cin);
      const w = add(`${name}/w`, tf.randomUniform([side, side, cin, cout], -bound, bound, 'float32', s++));
      const b = add(`${name}/b`, tf.zeros([cout]));
      this.layers.push({ w, b });
      this.masks.push(mask ? tf.keep(tf.tensor4d(convMask(side, mask), [side, side, 1, 1])) : null);
    };
    layer('in', k0, 1, C, 'A');
    for (let l = 1; l <= L; l++) layer(`block${l}`, k, C, C, 'B');
    layer('hidden', 1, C, Hout, null);
    layer('out', 1, Hout, 1, null);
  }

  /** The kernel of layer `i` with its mask applied. */
  private kernel(i: number): tf.Tensor4D {
    const mask = this.masks[i];
    const w = this.layers[i]!.w as tf.Tensor4D;
    return mask ? tf.mul(w, mask) : w;
  }

  /**
   * Logits [B, H, W, 1] for images [B, H, W, 1] of 0/1 floats. Differentiable in the weights;
   * in the images only with `imageGrad` (an analysis such as a receptive-field check: training
   * never needs the data's gradient, and the first layer skips computing it).
   */
  logits(images: tf.Tensor4D, { imageGrad = false }: { imageGrad?: boolean } = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const L = this.config.residualBlocks;
      // The project's masked convolution skips the masked taps (and their filter gradients) on
      // wasm; elsewhere it is tf.fused.conv2d with the masked kernel.
      const conv = (i: number, x: tf.Tensor4D, relu: boolean, pad: 'same' | 'valid', inputGrad = true) =>
        maskedConv2d(x, this.layers[i]!.w as tf.Tensor4D, this.layers[i]!.b as tf.Tensor1D, this.masks[i] ?? null, { relu, pad, inputGrad });
      // The first layer's input is the data: no input gradient to compute unless asked.
      let h = conv(0, images, true, 'same', imageGrad);
      for (let l = 1; l <= L; l++) h = tf.add(h, conv(l, h, true, 'same'));
      return conv(L + 2, conv(L + 1, h, true, 'valid'), false, 'valid');
    });
  }

  /** Mean sigmoid cross-entropy per pixel (nats); × pixels per image = NLL in nats per image. */
  loss(images: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => sigmoidCrossEntropy(this.logits(images), images));
  }

  /**
   * The mean per-pixel loss over `count` images (N × 784 bytes of 0/1), in batches, without
   * gradients: the validation number. The same images give the same number.
   */
  async meanLoss(images: Uint8Array, count: number, batch = 64, side = 28): Promise<number> {
    const pixels = side * side;
    let total = 0;
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const loss = tf.tidy(() => this.loss(imagesToTensor(images.subarray(start * pixels, (start + n) * pixels), n, side)));
      try {
        total += (await loss.data())[0]! * n;
      } finally {
        loss.dispose();
      }
    }
    return count > 0 ? total / count : NaN;
  }

  /** The masked kernels, computed once, for sampling. Dispose it when done. */
  inference(): PixelCnnInference {
    const kernels = tf.tidy(() => this.layers.map((_, i) => tf.keep(this.masks[i] ? this.kernel(i) : tf.clone(this.layers[i]!.w as tf.Tensor4D))));
    const biases = this.layers.map((layer) => tf.clone(layer.b as tf.Tensor1D));
    return new PixelCnnInference(this.config, kernels, biases);
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    for (const m of this.masks) m?.dispose();
    this.masks.length = 0;
  }
}
