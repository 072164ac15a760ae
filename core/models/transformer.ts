import * as tf from '@tensorflow/tfjs';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import { TransformerEngine } from '../tensor/inference/transformerEngine.ts';
import type { TransformerConfig } from './config.ts';
import { softmaxCrossEntropy } from '../tensor/ops/crossEntropy.ts';
import { EngineCachedDecoder, EngineRecomputingDecoder } from './transformerDecoders.ts';
import type { DecoderOptions, SpeculativeDecoder, TextModel } from './textModel.ts';
import { causalMask } from '../tensor/ops/attention.ts';
import {
  createTransformerWeights,
  embed,
  engineWeights,
  outputLogits,
  transformerBlock,
  transformerBlockNoCache,
  type LayerCache,
  type TransformerWeights,
} from './transformerLayers.ts';

/**
 * Where the attention window of the n-th token starts (n tokens fed, counting it). The window
 * is at most `context` long; once full it slides by half a context, so the KV cache is rebuilt
 * once every context/2 tokens instead of every token. Recomputation (the naive path) uses the
 * same windows, so both paths give the same logits.
 */
export function windowStart(n: number, context: number): number {
  if (n <= context) return 0;
  const stride = Math.max(1, Math.floor(context / 2));
  return stride * Math.ceil((n - context) / stride);
}

/**
 * Decoder-only causal Transformer: token + learned position embeddings, pre-LN blocks with
 * masked multi-head self-attention (additive −∞ above the diagonal) and a GELU feed-forward;
 * incremental decoding with a per-layer, per-head KV cache.
 */
export class TransformerModel implements TextModel {
  readonly weights: Map<string, tf.Variable>;
  private readonly parts: TransformerWeights;
  private readonly masks = new Map<number, tf.Tensor2D>();

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
   * snapshot of the weights; `tfjs: true` (or any other backend) uses tfjs ops.
   */
  createDecoder(options: DecoderOptions = {}): SpeculativeDecoder {
    if (!options.tfjs && fastDecodersAvailable()) {
      const engine = new TransformerEngine(engineWeights(this.parts, this.config, this.config.vocabSize));
      const start = (n: number) => windowStart(n, this.config.context);
      return options.cache === false ? new EngineRecomputingDecoder(engine, start) : new EngineCachedDecoder(engine, start);
    }
    return options.cache === false ? new RecomputingDecoder(this) : new CachedDecoder(this);
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

/** Re-runs the whole current window for every token (the textbook baseline). */
class RecomputingDecoder implements SpeculativeDecoder {
  private readonly history: number[] = [];
  constructor(private readonly model: TransformerModel) {}

  feed(tokenId: number): Float32Array {
    return this.feedMany([tokenId]).at(-1)!;
  }

  feedMany(tokenIds: readonly number[]): Float32Array[] {
    return tokenIds.map((id) => {
      this.history.push(id);
      const n = this.history.length;
      const window = this.history.slice(windowStart(n, this.model.config.context));
      return readLastRows(tf.tidy(() => this.model.windowLogits(tf.tensor2d([window], [1, window.length], 'int32'), false)), 1)[0]!;
    });
  }

  get length(): number {
    return this.history.length;
  }

  truncate(length: number): void {
    this.history.length = Math.min(this.history.length, length);
  }

  dispose(): void {}
}

/** One position per step with a KV cache; rebuilt in one pass when the window slides. */
class CachedDecoder implements SpeculativeDecoder {
  private readonly history: number[] = [];
  private caches: LayerCache[] | null = null;
  /** Absolute index of the first token in the cache. */
  private start = 0;

  constructor(private readonly model: TransformerModel) {}

  get length(): number {
    return this.history.length;
  }

  feed(tokenId: number): Float32Array {
    return this.feedMany([tokenId]).at(-1)!;
  }

  /**
   * Feeds several tokens; returns the logits after each. Tokens that stay in the current window
   * go through in one batched pass (what speculative decoding's verification needs).
   */
  feedMany(tokenIds: readonly number[]): Float32Array[] {
    const out: Float32Array[] = [];
    const context = this.model.config.context;
    let i = 0;
    while (i < tokenIds.length) {
      // Largest run of tokens that share the window start of the current cache.
      let j = i;
      while (j < tokenIds.length && windowStart(this.history.length + (j - i) + 1, context) === this.start && this.caches) j++;
      if (j === i) {
        // The window (re)starts here: rebuild the cache from history over the new window.
        this.history.push(tokenIds[i]!);
        this.rebuild();
        out.push(this.lastLogits!);
        this.lastLogits = null;
        i++;
        continue;
      }
      const run = tokenIds.slice(i, j);
      const offset = this.history.length - this.start;
      const past = this.caches!;
      const { logits, caches } = tidyObject(() => this.model.forward(tf.tensor2d([run as number[]], [1, run.length], 'int32'), false, offset, past));
      disposeCaches(past);
      this.caches = caches;
      this.history.push(...run);
      out.push(...readLastRows(logits, run.length));
      i = j;
    }
    return out;
  }

  private lastLogits: Float32Array | null = null;

  private rebuild(): void {
    const n = this.history.length;
    this.start = windowStart(n, this.model.config.context);
    const window = this.history.slice(this.start);
    if (this.caches) disposeCaches(this.caches);
    const { logits, caches } = tidyObject(() => this.model.forward(tf.tensor2d([window], [1, window.length], 'int32'), false));
    this.caches = caches;
    this.lastLogits = readLastRows(logits, 1)[0]!;
  }

  /** Forgets everything after the first `length` tokens (rejected draft tokens). */
  truncate(length: number): void {
    if (length >= this.history.length) return;
    this.history.length = length;
    if (length === 0) {
      if (this.caches) disposeCaches(this.caches);
      this.caches = null;
      this.start = 0;
      return;
    }
    if (windowStart(length, this.model.config.context) !== this.start || !this.caches) {
      // The kept prefix lives in an earlier window (only across a slide): rebuild it.
      this.rebuild();
      this.lastLogits = null;
      return;
    }
    const keep = length - this.start;
    const old = this.caches;
    this.caches = old.map((c) => ({
      k: tf.slice(c.k, [0, 0, 0, 0], [-1, -1, keep, -1]) as tf.Tensor4D,
      v: tf.slice(c.v, [0, 0, 0, 0], [-1, -1, keep, -1]) as tf.Tensor4D,
    }));
    disposeCaches(old);
  }

  dispose(): void {
    if (this.caches) disposeCaches(this.caches);
    this.caches = null;
  }
}

/** tf.tidy for a function returning plain objects of tensors. */
function tidyObject<T extends object>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}

function disposeCaches(caches: LayerCache[]): void {
  for (const c of caches) {
    c.k.dispose();
    c.v.dispose();
  }
}

/** The last `rows` positions of logits [1, T, V] as arrays; disposes the tensor. */
function readLastRows(logits: tf.Tensor3D, rows: number): Float32Array[] {
  const [, T, V] = logits.shape;
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  const out: Float32Array[] = [];
  for (let t = T - rows; t < T; t++) out.push(data.slice(t * V, (t + 1) * V));
  return out;
}
