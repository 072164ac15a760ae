import type * as tf from '@tensorflow/tfjs';

/**
 * One step of autoregressive decoding: feed a token, get the logits for the next one.
 * Owns whatever state it carries (hidden state, KV cache); dispose when done.
 */
export interface Decoder {
  /** Logits over the vocabulary for the token after `tokenId` (a fresh array each call). */
  feed(tokenId: number): Float32Array;
  dispose(): void;
}

export interface DecoderOptions {
  /** false: recompute the whole window for every token (the textbook baseline). Default true. */
  cache?: boolean;
  /**
   * true: run through tfjs ops even where a faster decoder exists (the project's WebAssembly
   * decoders on CPU backends); the reference those are tested against.
   */
  tfjs?: boolean;
}

/** A decoder that can take several tokens in one pass and roll back (speculative decoding). */
export interface SpeculativeDecoder extends Decoder {
  /** Tokens fed so far. */
  readonly length: number;
  /** Feeds tokens in order; the logits after each. */
  feedMany(tokenIds: readonly number[]): Float32Array[];
  /** Forgets every token after the first `length`. */
  truncate(length: number): void;
  /**
   * How many tokens can be fed from here in one window: past them the model's context window
   * slides and its cache is rebuilt (Infinity where nothing is rebuilt).
   */
  room(): number;
}

/** A character-level model that can be trained and sampled token by token. */
export interface TextModel {
  readonly config: { readonly family: string; readonly vocabSize: number };
  /** Trainable weights by stable name (the names are the checkpoint format). */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** Logits [batch, seq, vocab] for int32 inputs [batch, seq]. */
  logits(inputs: tf.Tensor2D): tf.Tensor3D;
  /** Mean training loss (nats) for a batch of windows: inputs [B, T] and targets = inputs shifted by one. */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, training?: boolean): tf.Scalar;
  /** A decoder with empty state (the start of a text); null for models that do not decode left to right. */
  createDecoder(options?: DecoderOptions): Decoder | null;
  dispose(): void;
}
