import { z } from 'zod';

/**
 * How the mask-predict Transformer tells positions apart:
 * - `learned`: a trained table [context, D], randomly initialised (std 0.01) — the first recipe;
 * - `sinusoidal`: the fixed sine/cosine table of "Attention Is All You Need", no weights;
 * - `learnedSinusoidal`: a trained table that starts as the sinusoidal one (the sum of the fixed
 *   table and a learned one that starts at zero).
 * A bidirectional model has no causal mask to infer order from: it knows positions only from this.
 */
export const PositionEncoding = z.enum(['learned', 'sinusoidal', 'learnedSinusoidal']);
export type PositionEncoding = z.infer<typeof PositionEncoding>;

/** What runs stored before the choice existed used (their run.json has no `positions`). */
export const LEGACY_POSITION_ENCODING: PositionEncoding = 'learned';

/**
 * What a new mask-predict run uses unless it says otherwise, chosen by measurement (2×128, batch
 * 32 × 64, lr 3e-3): on a repetitive corpus (tests/core/train/transformerTraining.test.ts, 600
 * steps) learned reaches 1.28–1.33, learnedSinusoidal 1.71, sinusoidal 2.27; on 1 MB of prose
 * (unigram entropy 3.56) none leaves the unigram plateau within 500 steps (half-masked loss 3.46–3.49).
 */
export const DEFAULT_POSITION_ENCODING: PositionEncoding = 'learned';

/**
 * The sinusoidal table's amplitude. Token embeddings start at std 0.02, so an amplitude of 1 (the
 * paper's, beside embeddings of rms 1) would drown the tokens under LayerNorm; 0.03 keeps the
 * paper's ratio of position to token.
 */
export const SINUSOID_SCALE = 0.03;

/**
 * The sinusoidal table [context, dModel], row-major: for position p and pair i,
 * [p, 2i] = sin(p / 10000^(2i/D)) and [p, 2i+1] = cos(p / 10000^(2i/D)), times `scale`.
 */
export function sinusoidalPositions(context: number, dModel: number, scale = 1): Float32Array {
  const table = new Float32Array(context * dModel);
  for (let p = 0; p < context; p++) {
    for (let j = 0; j < dModel; j++) {
      const i = Math.floor(j / 2);
      const angle = p / Math.pow(10000, (2 * i) / dModel);
      table[p * dModel + j] = scale * (j % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
    }
  }
  return table;
}
