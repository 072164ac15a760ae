import type * as tf from '@tensorflow/tfjs';
import type { TextModelConfig } from './config.ts';

/**
 * One step of autoregressive decoding: feed a token, get the logits for the next one.
 * Owns whatever state it carries (hidden state, KV cache); dispose when done.
 */
export interface Decoder {
  /** Logits over the vocabulary for the token after `tokenId` (a fresh array each call). */
  feed(tokenId: number): Float32Array;
  dispose(): void;
}

/** A character-level model that can be trained and sampled token by token. */
export interface TextModel {
  readonly config: TextModelConfig;
  /** Trainable weights by stable name (the names are the checkpoint format). */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** Logits [batch, seq, vocab] for int32 inputs [batch, seq]. */
  logits(inputs: tf.Tensor2D): tf.Tensor3D;
  /** Mean next-token cross-entropy (nats) over every position. */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar;
  /** A decoder with empty state (the start of a text). */
  createDecoder(): Decoder;
  dispose(): void;
}
