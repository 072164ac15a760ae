import { describe, expect, it } from 'vitest';
import { accuracy, chunksRight, classifyAnswer, firstError, mixCounts, perPositionAccuracy } from '../../../core/limits/metrics.ts';

describe('accuracy', () => {
  it('is the share of positions that match, missing output counting wrong', () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(accuracy('ab', 'abcd')).toBe(0.5);
    expect(accuracy('', '')).toBe(1);
  });

  it('per position, over rows of different lengths', () => {
    const rows = [
      [true, true, false],
      [true, false],
      [false, false, false],
      [true, true, true],
    ];
    expect(perPositionAccuracy(rows, 3)).toEqual([0.75, 0.5, 0.25]);
  });

  it('finds the first error', () => {
    expect(firstError([true, true, false, true])).toBe(2);
    expect(firstError([true, true])).toBeNull();
  });

  it('scores chunks (numbers of a count) whole', () => {
    expect(chunksRight('041 042 053 054 ', '041 042 043 044 ', 4)).toEqual([true, true, false, false]);
    expect(chunksRight('041 04', '041 042 ', 4)).toEqual([true, false]);
  });
});

describe('mix classification', () => {
  it('tells the two answers from everything else', () => {
    expect(classifyAnswer('abcabc', 6)).toBe(0);
    expect(classifyAnswer('xyzxyz', 6)).toBe(1);
    expect(classifyAnswer('abczyz', 6)).toBe('neither');
    expect(classifyAnswer('abcab', 6)).toBe('neither');
    expect(classifyAnswer('bcabca', 6)).toBe('neither');
  });

  it('counts each answer and the share that is neither', () => {
    expect(mixCounts(['abcabc', 'xyzxyz', 'xyzxyz', 'aycxbz'], 6)).toEqual({ first: 1, second: 2, neither: 1, mixRate: 0.25 });
    expect(mixCounts([], 6).mixRate).toBe(0);
  });
});
