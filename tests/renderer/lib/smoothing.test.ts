import { describe, expect, it } from 'vitest';
import { emaSmooth } from '../../../renderer/src/lib/smoothing.ts';

describe('emaSmooth', () => {
  it('leaves the values as they are at weight 0', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('is a debiased exponential moving average: the first value is kept, later ones pulled toward the past', () => {
    const w = 0.5;
    const out = emaSmooth([4, 2, 2], w);
    expect(out[0]).toBeCloseTo(4, 12);
    // (0.5·0.5·4 + 0.5·2) / (1 − 0.25) = 2 / 0.75
    expect(out[1]).toBeCloseTo((0.5 * 0.5 * 4 + 0.5 * 2) / 0.75, 12);
    expect(out[2]!).toBeLessThan(out[1]!);
    expect(out[2]!).toBeGreaterThan(2);
  });

  it('keeps a constant curve constant and smooths noise (less spread than the raw values)', () => {
    expect(emaSmooth([5, 5, 5, 5], 0.9).every((v) => Math.abs(v! - 5) < 1e-9)).toBe(true);
    const noisy = Array.from({ length: 400 }, (_, i) => 2 + (i % 2 === 0 ? 0.5 : -0.5));
    const smooth = emaSmooth(noisy, 0.9).slice(50) as number[];
    expect(Math.max(...smooth) - Math.min(...smooth)).toBeLessThan(0.2);
  });

  it('keeps gaps (null, NaN, ∞) as gaps without moving the average', () => {
    const out = emaSmooth([2, null, Number.NaN, Infinity, 2], 0.8);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeNull();
    expect(out[3]).toBeNull();
    expect(out[4]).toBeCloseTo(2, 12);
  });
});
