import { describe, expect, it } from 'vitest';
import { spreadRadius, spreadRemask } from '../../../core/generate/spreadRemask.ts';

describe('spreadRemask', () => {
  it('masks the lowest ranks again when no two fresh neighbours compete', () => {
    const rank = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3];
    expect(spreadRemask(rank, [true, true, true, true, true, true], 3)).toEqual([1, 3, 5]);
    // Positions kept from earlier passes never block a neighbour.
    expect(spreadRemask([0.9, 0.8, 0.1, 0.2], [false, false, true, true], 2)).toEqual([2, 3]);
  });

  it('does not keep two neighbours that one pass predicted together, while others can be kept', () => {
    // 0 and 1 are the surest, both fresh: 1 is masked again, and the next surest non-neighbour kept instead.
    const rank = [0.9, 0.8, 0.1, 0.5, 0.2, 0.3];
    const fresh = [true, true, true, true, true, true];
    expect(spreadRemask(rank, fresh, 3)).toEqual([1, 2, 4]);
    // Without the pass in common (1 was kept before), both stay.
    expect(spreadRemask(rank, [true, false, true, true, true, true], 3)).toEqual([2, 4, 5]);
  });

  it('fills the quota by rank when spacing alone cannot', () => {
    const rank = [0.9, 0.8, 0.7, 0.6];
    const out = spreadRemask(rank, [true, true, true, true], 1);
    expect(out).toHaveLength(1);
    expect(out).toEqual([3]);
    expect(spreadRemask(rank, [true, true, true, true], 0)).toEqual([]);
    expect(spreadRemask(rank, [true, true, true, true], 4)).toEqual([0, 1, 2, 3]);
  });

  it('with a radius, keeps fresh positions that far apart, and the radius grows with the passes', () => {
    const rank = [0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55];
    const fresh = rank.map(() => true);
    // Keep 3 of 8 with radius 2: 0, then 3 (1 and 2 are within 2 of 0), then 6.
    expect(spreadRemask(rank, fresh, 5, 2)).toEqual([1, 2, 4, 5, 7]);
    expect(spreadRemask(rank, fresh, 5, 1)).toEqual([1, 3, 5, 6, 7]);
    // Radius 0: the n lowest ranks, neighbours or not.
    expect(spreadRemask(rank, fresh, 5, 0)).toEqual([3, 4, 5, 6, 7]);
    expect([1, 2, 4, 10].map(spreadRadius)).toEqual([1, 2, 3, 6]);
  });
});

