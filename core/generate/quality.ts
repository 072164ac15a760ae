import type { SpeculativeDecoder } from '../models/textModel.ts';

export interface TextQuality {
  /** Mean negative log-likelihood (nats per token) of the text under the reference AR model. */
  nll: number;
  perplexity: number;
  /** Share of tokens identical to the token before them (NAR's typical failure). */
  repetition: number;
  /** Unique unigrams / unigrams. */
  distinct1: number;
  /** Unique bigrams / bigrams. */
  distinct2: number;
}

/** Fraction of distinct n-grams among all n-grams of `ids` (1 when there are none). */
export function distinctN(ids: readonly number[], n: number): number {
  const total = ids.length - n + 1;
  if (total <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(ids.slice(i, i + n).join(','));
  return seen.size / total;
}

export function repetitionRate(ids: readonly number[]): number {
  if (ids.length < 2) return 0;
  let same = 0;
  for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) same++;
  return same / (ids.length - 1);
}

/** Log-softmax of one row at index `id`. */
function logProb(logits: ArrayLike<number>, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return logits[id]! - max - Math.log(sum);
}

/**
 * Scores a generated text on the same footing for every strategy: teacher-forced NLL under the
 * AR model (conditioned on the same start token and prompt), plus repetition and distinct-n.
 */
export function scoreText(decoder: SpeculativeDecoder, context: readonly number[], ids: readonly number[]): TextQuality {
  let nll = 0;
  if (ids.length > 0) {
    const logits = decoder.feedMany([...context, ...ids.slice(0, -1)]);
    for (let i = 0; i < ids.length; i++) nll -= logProb(logits[context.length - 1 + i]!, ids[i]!);
    nll /= ids.length;
  }
  return { nll, perplexity: Math.exp(nll), repetition: repetitionRate(ids), distinct1: distinctN(ids, 1), distinct2: distinctN(ids, 2) };
}
