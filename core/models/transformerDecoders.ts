import type { TransformerEngine } from '../tensor/inference/transformerEngine.ts';
import type { SpeculativeDecoder } from './textModel.ts';

/**
 * The Transformer decoders on the batch-1 WebAssembly engine: the same windows and the same
 * logits (within float rounding) as the tfjs decoders in transformer.ts, without per-op dispatch.
 */

/** Re-runs the whole current window for every token (the textbook baseline). */
export class EngineRecomputingDecoder implements SpeculativeDecoder {
  private readonly history: number[] = [];

  constructor(
    private readonly engine: TransformerEngine,
    private readonly windowStart: (n: number) => number,
  ) {}

  get length(): number {
    return this.history.length;
  }

  feed(tokenId: number): Float32Array {
    return this.feedMany([tokenId]).at(-1)!;
  }

  feedMany(tokenIds: readonly number[]): Float32Array[] {
    return tokenIds.map((id) => {
      this.history.push(id);
      const window = this.history.slice(this.windowStart(this.history.length));
      return this.engine.forward(window, 0, true, 1)[0]!;
    });
  }

  truncate(length: number): void {
    this.history.length = Math.min(this.history.length, length);
  }

  dispose(): void {
    this.engine.dispose();
  }
}

/** One position per step with the engine's KV cache; the window is recomputed when it slides. */
export class EngineCachedDecoder implements SpeculativeDecoder {
  private readonly history: number[] = [];
  /** Whether the engine's cache holds the window starting at `start`. */
  private valid = false;
  /** Absolute index of the first token in the cache. */
  private start = 0;

  constructor(
    private readonly engine: TransformerEngine,
    private readonly windowStart: (n: number) => number,
  ) {}

  get length(): number {
    return this.history.length;
  }

  feed(tokenId: number): Float32Array {
    return this.feedMany([tokenId]).at(-1)!;
  }

  /** Tokens that stay in the current window go through in one pass (speculative verification). */
  feedMany(tokenIds: readonly number[]): Float32Array[] {
    const out: Float32Array[] = [];
    let i = 0;
    while (i < tokenIds.length) {
      let j = i;
      while (j < tokenIds.length && this.valid && this.windowStart(this.history.length + (j - i) + 1) === this.start) j++;
      if (j === i) {
        this.history.push(tokenIds[i]!);
        out.push(this.rebuild());
        i++;
        continue;
      }
      const run = tokenIds.slice(i, j);
      const offset = this.history.length - this.start;
      out.push(...this.engine.forward(run, offset, true, run.length));
      this.history.push(...run);
      i = j;
    }
    return out;
  }

  /** Recomputes the cache over the window of the current history; the last position's logits. */
  private rebuild(): Float32Array {
    this.start = this.windowStart(this.history.length);
    const logits = this.engine.forward(this.history.slice(this.start), 0, true, 1)[0]!;
    this.valid = true;
    return logits;
  }

  /** Forgets every token after the first `length` (rejected draft tokens). */
  truncate(length: number): void {
    if (length >= this.history.length) return;
    this.history.length = length;
    if (length === 0) {
      this.valid = false;
      this.start = 0;
      return;
    }
    // Within the same window the cache entries past `length` are simply overwritten later.
    if (this.windowStart(length) !== this.start || !this.valid) this.rebuild();
  }

  dispose(): void {
    this.engine.dispose();
  }
}
