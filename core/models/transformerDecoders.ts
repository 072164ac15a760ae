import * as tf from '@tensorflow/tfjs';
import type { TransformerEngine } from '../tensor/inference/transformerEngine.ts';
import type { SpeculativeDecoder } from './textModel.ts';
import type { TransformerModel } from './transformer.ts';
import type { LayerCache } from './transformerLayers.ts';

/**
 * Token-by-token decoding of the causal Transformer: ONE decoder (`WindowedDecoder`) owns the
 * attention window and when the KV cache is rebuilt; it runs its windows on a `WindowForward`
 * — the tfjs model (`TfjsWindowForward`, the reference) or the batch-1 WebAssembly engine
 * (`EngineWindowForward`, core/tensor/inference/transformerEngine.ts). Both backends see the
 * same windows, so they give the same logits within float rounding.
 */

/**
 * Where the attention window of the n-th token starts (n tokens fed, counting it). The window
 * is at most `context` long; once full it slides by half a context, so the KV cache is rebuilt
 * once every context/2 tokens instead of every token (positions are learned and absolute: a
 * cache cannot shift). Recomputation (the naive path) uses the same windows, so both paths give
 * the same logits.
 */
export function windowStart(n: number, context: number): number {
  if (n <= context) return 0;
  const stride = Math.max(1, Math.floor(context / 2));
  return stride * Math.ceil((n - context) / stride);
}

/**
 * What a windowed decoder runs on: forward passes over one window at a time, positions counted
 * from the window's start, with a KV cache of the window's first positions.
 */
export interface WindowForward {
  /** The logits after the last token of `window`, run from position 0, leaving the cache alone. */
  recompute(window: readonly number[]): Float32Array;
  /** Replaces the cache by `window` run from position 0; the logits after its last token. */
  prefill(window: readonly number[]): Float32Array;
  /** Runs `tokens` at positions past… after the `past` cached ones, extending the cache; the logits after each. */
  extend(tokens: readonly number[], past: number): Float32Array[];
  /** Keeps the first `length` cached positions (0 < length < cached). */
  keep(length: number): void;
  /** Empties the cache. */
  clear(): void;
  dispose(): void;
}

/**
 * The window policy over any `WindowForward`. With `cache`, one position per step through the
 * KV cache, rebuilt in one pass when the window slides; without, the whole current window is
 * re-run for every token (the textbook baseline).
 */
export class WindowedDecoder implements SpeculativeDecoder {
  private readonly history: number[] = [];
  /** Whether the backend's cache holds the window starting at `start`. */
  private cached = false;
  /** Absolute index of the first token in the cache. */
  private start = 0;

  constructor(
    readonly forward: WindowForward,
    private readonly context: number,
    readonly cache: boolean,
  ) {}

  get length(): number {
    return this.history.length;
  }

  feed(tokenId: number): Float32Array {
    return this.feedMany([tokenId]).at(-1)!;
  }

  /**
   * Feeds several tokens; returns the logits after each. With the cache, tokens that stay in the
   * current window go through in one pass (what speculative decoding's verification needs).
   */
  feedMany(tokenIds: readonly number[]): Float32Array[] {
    if (!this.cache) {
      return tokenIds.map((id) => {
        this.history.push(id);
        return this.forward.recompute(this.history.slice(windowStart(this.history.length, this.context)));
      });
    }
    const out: Float32Array[] = [];
    let i = 0;
    while (i < tokenIds.length) {
      // Largest run of tokens that share the window start of the current cache.
      let j = i;
      while (j < tokenIds.length && this.cached && windowStart(this.history.length + (j - i) + 1, this.context) === this.start) j++;
      if (j === i) {
        // The window (re)starts here: rebuild the cache from history over the new window.
        this.history.push(tokenIds[i]!);
        out.push(this.rebuild());
        i++;
        continue;
      }
      const run = tokenIds.slice(i, j);
      out.push(...this.forward.extend(run, this.history.length - this.start));
      this.history.push(...run);
      i = j;
    }
    return out;
  }

  /** Rebuilds the cache over the window of the current history; the last position's logits. */
  private rebuild(): Float32Array {
    this.start = windowStart(this.history.length, this.context);
    const logits = this.forward.prefill(this.history.slice(this.start));
    this.cached = true;
    return logits;
  }

  /** Tokens that share the window of the next one (the first of them may start it: one rebuild). */
  room(): number {
    if (!this.cache) return Infinity;
    const n = this.history.length;
    if (n + 1 <= this.context) return this.context - n;
    const stride = Math.max(1, Math.floor(this.context / 2));
    // windowStart is constant for lengths in (context + stride·(c − 1), context + stride·c]
    return this.context + stride * Math.ceil((n + 1 - this.context) / stride) - n;
  }

  /** Forgets every token after the first `length` (rejected draft tokens). */
  truncate(length: number): void {
    if (length >= this.history.length) return;
    this.history.length = length;
    if (!this.cache) return;
    if (length === 0) {
      this.forward.clear();
      this.cached = false;
      this.start = 0;
      return;
    }
    // The kept prefix lives in an earlier window (only across a slide): the cache is rebuilt
    // when the next token comes, over the window that token needs (rebuilding now would
    // often be undone by the next verification crossing the slide again).
    if (windowStart(length, this.context) !== this.start || !this.cached) this.cached = false;
    else this.forward.keep(length - this.start);
  }

  dispose(): void {
    this.forward.dispose();
  }
}

/** The batch-1 WebAssembly engine as a window backend: it keeps its own cache. */
export class EngineWindowForward implements WindowForward {
  constructor(private readonly engine: TransformerEngine) {}

  recompute(window: readonly number[]): Float32Array {
    return this.engine.forward(window, 0, true, 1)[0]!;
  }

  prefill(window: readonly number[]): Float32Array {
    return this.engine.forward(window, 0, true, 1)[0]!;
  }

  extend(tokens: readonly number[], past: number): Float32Array[] {
    return this.engine.forward(tokens, past, true, tokens.length);
  }

  /** Cache entries past `length` are simply overwritten later. */
  keep(): void {}

  clear(): void {}

  dispose(): void {
    this.engine.dispose();
  }
}

/** The tfjs model as a window backend (the reference): per-layer key/value tensors. */
export class TfjsWindowForward implements WindowForward {
  private caches: LayerCache[] | null = null;

  constructor(private readonly model: TransformerModel) {}

  /** Whole window, no KV caches built: causal attention as one fused op on wasm. */
  recompute(window: readonly number[]): Float32Array {
    return readLastRows(tf.tidy(() => this.model.windowLogits(ids(window), false)), 1)[0]!;
  }

  prefill(window: readonly number[]): Float32Array {
    this.clear();
    const { logits, caches } = tidyObject(() => this.model.forward(ids(window), false));
    this.caches = caches;
    return readLastRows(logits, 1)[0]!;
  }

  extend(tokens: readonly number[], past: number): Float32Array[] {
    const old = this.caches!;
    const { logits, caches } = tidyObject(() => this.model.forward(ids(tokens), false, past, old));
    disposeCaches(old);
    this.caches = caches;
    return readLastRows(logits, tokens.length);
  }

  keep(length: number): void {
    const old = this.caches!;
    this.caches = old.map((c) => ({
      k: tf.slice(c.k, [0, 0, 0, 0], [-1, -1, length, -1]) as tf.Tensor4D,
      v: tf.slice(c.v, [0, 0, 0, 0], [-1, -1, length, -1]) as tf.Tensor4D,
    }));
    disposeCaches(old);
  }

  clear(): void {
    if (this.caches) disposeCaches(this.caches);
    this.caches = null;
  }

  dispose(): void {
    this.clear();
  }
}

/** Token ids as an int32 batch of one, [1, T]. */
function ids(tokens: readonly number[]): tf.Tensor2D {
  return tf.tensor2d([tokens as number[]], [1, tokens.length], 'int32');
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
