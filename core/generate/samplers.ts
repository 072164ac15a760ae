import type { Rng } from '../rng.ts';

export interface SamplingParams {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
}

export interface SampledToken {
  id: number;
  /** Probability of the chosen token under the distribution it was drawn from. */
  prob: number;
}

/** Softmax of logits / temperature, in float64 for a stable sum. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.exp((logits[i]! - max) / temperature);
  for (let i = 0; i < n; i++) out[i]! /= sum;
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * The distribution sampling draws from: temperature, then top-k, then top-p (nucleus) —
 * tokens outside the kept set get probability 0 and the rest is renormalised.
 */
export function samplingDistribution(logits: ArrayLike<number>, params: SamplingParams): Float64Array {
  const probs = softmax(logits, params.temperature > 0 ? params.temperature : 1);
  const n = probs.length;
  const k = params.topK > 0 ? Math.min(params.topK, n) : n;
  if (k === n && params.topP >= 1) return probs;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  const keep = new Uint8Array(n);
  let mass = 0;
  for (let r = 0; r < k; r++) {
    const i = order[r]!;
    keep[i] = 1;
    mass += probs[i]!;
    if (mass >= params.topP) break;
  }
  let total = 0;
  for (let i = 0; i < n; i++) if (!keep[i]) probs[i] = 0;
  for (let i = 0; i < n; i++) total += probs[i]!;
  for (let i = 0; i < n; i++) probs[i]! /= total;
  return probs;
}

/** Draws one token index from a normalised distribution with the seeded RNG. */
export function drawFrom(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.next();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! <= 0) continue;
    acc += probs[i]!;
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding: u fell past the accumulated mass
}

/** Picks the next token from logits: greedy at temperature 0, else sampled. */
export function sampleToken(logits: ArrayLike<number>, params: SamplingParams, rng: Rng): SampledToken {
  if (params.temperature === 0) {
    const id = argmax(logits);
    return { id, prob: softmax(logits)[id]! };
  }
  const probs = samplingDistribution(logits, params);
  const id = drawFrom(probs, rng);
  return { id, prob: probs[id]! };
}
