import { describe, expect, it } from 'vitest';
import { addLivePoint, halvePoints, logLogSlope, plotStep } from '../../../renderer/src/lib/points.ts';

describe('logLogSlope', () => {
  it('fits the exponent of a power law', () => {
    const square = [16, 32, 64, 128].map((n) => ({ x: n, y: 0.01 * n * n }));
    expect(logLogSlope(square)).toBeCloseTo(2, 6);
    const flat = [16, 32, 64].map((n) => ({ x: n, y: 5 }));
    expect(logLogSlope(flat)).toBeCloseTo(0, 6);
    expect(logLogSlope([{ x: 16, y: 3 }])).toBeNull();
    expect(logLogSlope([{ x: 16, y: 3 }, { x: 16, y: 4 }])).toBeNull();
  });
});

describe('halvePoints', () => {
  it('keeps every other point and always the last, in order', () => {
    const pts = Array.from({ length: 9 }, (_, i) => ({ x: i, y: i * i }));
    expect(halvePoints(pts).map((p) => p.x)).toEqual([0, 2, 4, 6, 8]);
    expect(halvePoints(pts.slice(0, 8)).map((p) => p.x)).toEqual([0, 2, 4, 6, 7]);
    expect(halvePoints([])).toEqual([]);
  });
});

describe('addLivePoint', () => {
  it('keeps a live curve of 150,000 steps within its bound, from its first step to its newest, in order', () => {
    let points: { x: number; y: number }[] = [];
    let most = 0;
    for (let step = 1; step <= 150_000; step++) {
      points = addLivePoint(points, { x: step, y: 1 / step }, 20_000);
      most = Math.max(most, points.length);
    }
    expect(most).toBeLessThanOrEqual(20_000);
    expect(points.length).toBeGreaterThan(10_000);
    expect(points[0]).toEqual({ x: 1, y: 1 });
    expect(points.at(-1)).toEqual({ x: 150_000, y: 1 / 150_000 });
    expect(points.every((p, i) => i === 0 || p.x > points[i - 1]!.x)).toBe(true);
  });

  it('replaces repeated steps as plotStep does', () => {
    const points = addLivePoint([{ x: 1, y: 3 }, { x: 2, y: 2 }], { x: 2, y: 1 }, 10);
    expect(points).toEqual([{ x: 1, y: 3 }, { x: 2, y: 1 }]);
  });
});

describe('plotStep', () => {
  const xs = (points: { x: number }[]) => points.map((p) => p.x);

  it('appends a later step', () => {
    const points = [{ x: 1, y: 3 }, { x: 2, y: 2.5 }];
    plotStep(points, { x: 5, y: 2 });
    expect(xs(points)).toEqual([1, 2, 5]);
  });

  it('draws a step already drawn once, with the newer value', () => {
    const points = [{ x: 1, y: 3 }, { x: 2, y: 2.5 }, { x: 3, y: 2.4 }];
    plotStep(points, { x: 3, y: 2.3 });
    expect(points).toEqual([{ x: 1, y: 3 }, { x: 2, y: 2.5 }, { x: 3, y: 2.3 }]);
  });

  it('cuts the curve back to a repeated step (a resume from an earlier checkpoint)', () => {
    const points = [1, 2, 3, 4, 5].map((x) => ({ x, y: 1 }));
    plotStep(points, { x: 3, y: 0.5 });
    expect(xs(points)).toEqual([1, 2, 3]);
    expect(points.at(-1)!.y).toBe(0.5);
  });

  it('starts an empty curve', () => {
    const points: { x: number; y: number }[] = [];
    plotStep(points, { x: 0, y: 4 });
    expect(points).toEqual([{ x: 0, y: 4 }]);
  });
});
