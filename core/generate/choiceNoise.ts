import { createRng, type Rng } from '../rng.ts';

/**
 * MaskGIT's choice noise for mask-predict (Chang et al. 2022): which positions are masked again
 * after pass t of T is decided by log confidence + noise·(1 − t/T)·Gumbel rather than by
 * confidence alone, so early passes do not commit only the surest (most frequent) values.
 * Pure; used by text and pixel mask-predict.
 */

/** The noise's own random stream from a sampling seed (so the values drawn do not depend on it). */
export function choiceStream(seed: number): Rng {
  return createRng((seed ^ 0x5bd1e995) >>> 0);
}

/** The noise scale after pass t (1-based) of T: fades linearly to 0 at the last pass. */
export function choiceNoiseAfter(noise: number, t: number, T: number): number {
  return noise * Math.max(0, 1 - t / T);
}

/** A position's rank for keeping: log confidence plus scale × a standard Gumbel draw (none at scale 0). */
export function choiceRank(confidence: number, scale: number, rng: Rng): number {
  const gumbel = scale > 0 ? -Math.log(-Math.log(Math.max(rng.next(), Number.MIN_VALUE))) : 0;
  return Math.log(confidence) + scale * gumbel;
}
