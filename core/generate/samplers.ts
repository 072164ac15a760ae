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
  // The kept set is the first `kept` tokens in order of probability (ties: lower id first), where
  // `kept` is k or fewer: as many as reach topP of the mass. Found by taking the largest values
  // off a max-heap (at a 4,000-character vocabulary an index sort with a comparator cost more
  // than the model's step), then the tokens above the last value taken and, of those equal to
  // it, the lowest ids.
  const heap = new MaxHeap(probs);
  let kept = 0;
  let mass = 0;
  let threshold = Infinity;
  while (kept < k) {
    threshold = heap.pop();
    mass += threshold;
    kept++;
    if (mass >= params.topP) break;
  }
  let ties = kept;
  for (let i = 0; i < n; i++) if (probs[i]! > threshold) ties--;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    if (p > threshold || (p === threshold && ties-- > 0)) total += p;
    else probs[i] = 0;
  }
  for (let i = 0; i < n; i++) probs[i]! /= total;
  return probs;
}

/** A max-heap of numbers (a copy of `values`), built in linear time; pop() takes the largest. */
class MaxHeap {
  private readonly a: Float64Array;
  private size: number;

  constructor(values: Float64Array) {
    this.a = values.slice();
    this.size = values.length;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i);
  }

  pop(): number {
    const a = this.a;
    const top = a[0]!;
    a[0] = a[--this.size]!;
    this.down(0);
    return top;
  }

  private down(i: number): void {
    const a = this.a;
    const n = this.size;
    const v = a[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1]! > a[c]!) c++;
      if (a[c]! <= v) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = v;
  }
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
