import * as tf from '@tensorflow/tfjs';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import type { TransformerConfig } from './config.ts';
import { softmaxCrossEntropy } from '../tensor/ops/crossEntropy.ts';
import { EngineWindowForward, TfjsWindowForward, WindowedDecoder } from './transformerDecoders.ts';
import type { DecoderOptions, SpeculativeDecoder, TextModel } from './textModel.ts';
import { causalMask } from '../tensor/ops/attention.ts';
import {
  createTransformerWeights,
  embed,
  engineSnapshot,
  outputLogits,
  transformerBlock,
  transformerBlockNoCache,
  type LayerCache,
  type TransformerWeights,
} from './transformerLayers.ts';

/**
 * Decoder-only causal Transformer: token + learned position embeddings, pre-LN blocks with
 * masked multi-head self-attention (additive −∞ above the diagonal) and a GELU feed-forward;
 * `forward` extends a per-layer, per-head KV cache. Its decoders (sliding window, KV cache or
 * recomputation, on tfjs or the WebAssembly engine) are in transformerDecoders.ts.
 */
export class TransformerModel implements TextModel {
  readonly weights: Map<string, tf.Variable>;
  private readonly parts: TransformerWeights;
  private readonly masks = new Map<number, tf.Tensor2D>();
  /** The weights in the batch-1 engine, shared by every decoder (each forks its own caches). */
  private readonly engines = engineSnapshot(() => ({
    parts: this.parts,
    shape: this.config,
    outputs: this.config.vocabSize,
    variables: [...this.weights.values()],
  }));

  constructor(
    readonly config: TransformerConfig,
    seed = 1,
  ) {
    const { parts, named } = createTransformerWeights(config, config.vocabSize, config.vocabSize, config.tiedOutput, seed);
    this.parts = parts;
    this.weights = named;
  }

  private mask(t: number): tf.Tensor2D {
    let m = this.masks.get(t);
    if (!m) this.masks.set(t, (m = tf.keep(causalMask(t, t))));
    return m;
  }

  /** Logits for ids [B, T] starting at position `offset`, extending `past` caches when given. */
  forward(ids: tf.Tensor2D, training: boolean, offset = 0, past?: LayerCache[]): { logits: tf.Tensor3D; caches: LayerCache[] } {
    const T = ids.shape[1];
    if (offset + T > this.config.context) throw new Error(`a window of ${offset + T} positions exceeds the context of ${this.config.context}`);
    let x = embed(this.parts, ids, offset);
    const tk = offset + T;
    // Training and full passes use a cached square mask; incremental steps of one token need none.
    const mask = T === 1 ? null : offset === 0 ? this.mask(T) : causalMask(T, tk);
    const caches: LayerCache[] = [];
    this.parts.blocks.forEach((w, l) => {
      const { y, cache } = transformerBlock(x, w, this.config, mask, training, past?.[l]);
      x = y;
      caches.push(cache);
    });
    return { logits: outputLogits(this.parts, x, this.config.vocabSize), caches };
  }

  /**
   * Logits for whole windows ids [B, T] from position 0, without building KV caches: the
   * training and recomputation path (causal attention as one fused op on wasm).
   */
  windowLogits(ids: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => {
      const T = ids.shape[1];
      if (T > this.config.context) throw new Error(`a window of ${T} positions exceeds the context of ${this.config.context}`);
      let x = embed(this.parts, ids);
      for (const w of this.parts.blocks) x = transformerBlockNoCache(x, w, this.config, true, training);
      return outputLogits(this.parts, x, this.config.vocabSize);
    });
  }

  logits(inputs: tf.Tensor2D): tf.Tensor3D {
    return this.windowLogits(inputs, false);
  }

  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, training = false): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.windowLogits(inputs, training), targets));
  }

  /**
   * A KV-cache decoder (or, with `cache: false`, one that recomputes the window every token).
   * On CPU backends with the project's kernels both run on a batch-1 WebAssembly engine over a
   * snapshot of the weights, shared with the model's other decoders (each has its own caches;
   * a decoder keeps the snapshot it started with if the weights change); `tfjs: true` (or any
   * other backend) uses tfjs ops.
   */
  createDecoder(options: DecoderOptions = {}): SpeculativeDecoder {
    const forward =
      !options.tfjs && fastDecodersAvailable()
        ? new EngineWindowForward(this.engines.get().fork())
        : new TfjsWindowForward(this);
    return new WindowedDecoder(forward, this.config.context, options.cache !== false);
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
    this.engines.clear();
  }
}
