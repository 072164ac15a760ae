import { describe, expect, it } from 'vitest';
import { unigramEntropy, unigramEntropyOfIds } from '../../../core/data/unigramEntropy.ts';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';

describe('unigramEntropy', () => {
  it('is −Σ p ln p over code-point frequencies (by hand)', () => {
    // "aab": p(a) = 2/3, p(b) = 1/3.
    expect(unigramEntropy('aab')).toBeCloseTo(-((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3)), 12);
    expect(unigramEntropy('aab')).toBeCloseTo(0.636514168, 8);
    // Four equally frequent characters: ln 4.
    expect(unigramEntropy('abcd'.repeat(5))).toBeCloseTo(Math.log(4), 12);
  });

  it('counts code points, not UTF-16 units (an emoji is one character)', () => {
    // 😀 ×2, a, b: p = 1/2, 1/4, 1/4 → ½ ln 2 + 2·¼ ln 4 = 1.5 ln 2.
    expect(unigramEntropy('😀a😀b')).toBeCloseTo(1.5 * Math.log(2), 12);
  });

  it('is 0 for an empty text and for one repeated character', () => {
    expect(unigramEntropy('')).toBe(0);
    expect(unigramEntropy('zzzz')).toBe(0);
  });

  it('gives the same figure from ids encoded one per code point, across splits', () => {
    const text = 'Shall I compare thee to a summer’s day? 夏日';
    const ids = CharVocabulary.fromText(text).encode(text);
    expect(unigramEntropyOfIds(ids.subarray(0, 10), ids.subarray(10))).toBeCloseTo(unigramEntropy(text), 12);
  });
});
