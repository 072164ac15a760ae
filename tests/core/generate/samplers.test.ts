import { describe, expect, it } from 'vitest';
import { drawFrom, sampleToken, samplingDistribution, softmax } from '../../../core/generate/samplers.ts';
import { createRng } from '../../../core/rng.ts';

const logits = [2, 1, 0.5, 0, -1, -3];

describe('samplers', () => {
  it('greedy at temperature 0 always picks the argmax', () => {
    const rng = createRng(1);
    for (let i = 0; i < 20; i++) expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, rng).id).toBe(0);
  });

  it('top-k keeps only the k most likely tokens, renormalised', () => {
    const p = samplingDistribution(logits, { temperature: 1, topK: 2, topP: 1 });
    expect(p[2]).toBe(0);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
    expect(p[0]! / p[1]!).toBeCloseTo(Math.E, 9);
  });

  it('top-p keeps the smallest set whose mass reaches p', () => {
    const full = softmax(logits);
    const p = samplingDistribution(logits, { temperature: 1, topK: 0, topP: full[0]! + 0.01 });
    expect(p.filter((x) => x > 0)).toHaveLength(2);
    const tiny = samplingDistribution(logits, { temperature: 1, topK: 0, topP: 1e-6 });
    expect([...tiny]).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('top-k and top-p never emit an excluded token, over many seeded draws', () => {
    const rng = createRng(123);
    for (let trial = 0; trial < 200; trial++) {
      const logits = Array.from({ length: 20 }, () => rng.next() * 6 - 3);
      const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
      const k = 1 + Math.floor(rng.next() * 5);
      for (let d = 0; d < 20; d++) expect(order.slice(0, k)).toContain(sampleToken(logits, { temperature: 1.5, topK: k, topP: 1 }, rng).id);
      const p = 0.2 + rng.next() * 0.7;
      const probs = softmax(logits);
      const nucleus: number[] = [];
      let mass = 0;
      for (const i of order) {
        nucleus.push(i);
        mass += probs[i]!;
        if (mass >= p) break;
      }
      for (let d = 0; d < 20; d++) expect(nucleus).toContain(sampleToken(logits, { temperature: 1, topK: 0, topP: p }, rng).id);
    }
  });

  it('top-k and top-p keep exactly the most likely tokens, ties going to the lower id, at a 4,000-token vocabulary too', () => {
    // The definition: tokens in order of probability (ties: lower id first), the first k, stopping once topP of the mass is in.
    const reference = (logits: number[], k: number, topP: number): number[] => {
      const probs = softmax(logits);
      const order = logits.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
      const kept: number[] = [];
      let mass = 0;
      for (const i of order.slice(0, k > 0 ? k : logits.length)) {
        kept.push(i);
        mass += probs[i]!;
        if (mass >= topP) break;
      }
      return kept.sort((a, b) => a - b);
    };
    const rng = createRng(5);
    for (const n of [7, 4000]) {
      for (let trial = 0; trial < 20; trial++) {
        // Logits on a coarse grid, so many tokens tie, some exactly at the cut.
        const logits = Array.from({ length: n }, () => Math.floor(rng.next() * 8) / 2);
        const k = trial % 3 === 0 ? 0 : 1 + Math.floor(rng.next() * Math.min(n, 300));
        const topP = trial % 3 === 1 ? 1 : 0.05 + rng.next() * 0.9;
        const p = samplingDistribution(logits, { temperature: 1, topK: k, topP });
        const kept = [...p.keys()].filter((i) => p[i]! > 0);
        expect(kept).toEqual(reference(logits, k, topP));
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      }
    }
  });

  it('temperature sharpens and flattens', () => {
    const cold = softmax(logits, 0.25);
    const hot = softmax(logits, 4);
    expect(cold[0]).toBeGreaterThan(softmax(logits)[0]!);
    expect(hot[0]).toBeLessThan(softmax(logits)[0]!);
  });

  it('draws with the frequencies of the distribution, and the same seed draws the same tokens', () => {
    const probs = [0.5, 0.3, 0.2];
    const rng = createRng(42);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[drawFrom(probs, rng)]!++;
    counts.forEach((c, i) => expect(c / 20_000).toBeCloseTo(probs[i]!, 1));
    const a = Array.from({ length: 50 }, ((r) => () => sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, r).id)(createRng(7)));
    const b = Array.from({ length: 50 }, ((r) => () => sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, r).id)(createRng(7)));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(2);
  });
});
