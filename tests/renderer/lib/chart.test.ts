import { describe, expect, it } from 'vitest';
import { decimate, layoutChart, niceDomain, niceStep, niceTicks, tickLabel } from '../../../renderer/src/lib/chart.ts';

describe('niceTicks', () => {
  it('picks round steps covering the range', () => {
    expect(niceTicks(0, 60, 5)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(0, 1000, 4)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(1.37, 4.21, 4)).toEqual([2, 3, 4]);
    expect(niceTicks(1.37, 4.21, 8)).toEqual([1.5, 2, 2.5, 3, 3.5, 4]);
  });

  it('copes with an empty or reversed range', () => {
    expect(niceTicks(3, 3).length).toBeGreaterThan(0);
    expect(niceTicks(5, 1, 4)).toEqual(niceTicks(1, 5, 4));
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe('niceStep and tickLabel', () => {
  it('keeps step axes on whole numbers', () => {
    expect(niceStep(0, 24, 10)).toBe(2.5);
    expect(niceStep(0, 24, 10, true)).toBe(5);
    expect(niceStep(0, 3, 10, true)).toBe(1);
  });
  it('labels with the decimals the step needs', () => {
    expect(tickLabel(7.5, 2.5)).toBe('7.5');
    expect(tickLabel(3, 0.25)).toBe('3.00');
    expect(tickLabel(40, 20)).toBe('40');
    expect(tickLabel(25_000, 5000)).toBe('25k');
  });
});

describe('niceDomain', () => {
  it('widens to whole steps so the end ticks sit on the frame', () => {
    const d = niceDomain(2.35, 4.2, 4);
    expect(d.step).toBe(0.5);
    expect(d.lo).toBe(2);
    expect(d.hi).toBe(4.5);
  });
});

describe('decimate', () => {
  it('keeps the extremes of each pixel column and both ends', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 5000 ? 100 : Math.sin(i) }));
    const out = decimate(points, (x) => x / 100); // 100 points a pixel
    expect(out.length).toBeLessThanOrEqual(2 * 101 + 2);
    expect(out[0]).toBe(points[0]);
    expect(out.at(-1)).toBe(points.at(-1));
    expect(out.some((p) => p.y === 100)).toBe(true);
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThanOrEqual(out[i - 1]!.x);
  });
});

describe('layoutChart', () => {
  it('draws each series inside the plot area, with ticks on both axes', () => {
    const train = [
      { x: 1, y: 4.2 },
      { x: 2, y: 3.9 },
      { x: 3, y: 3.1 },
    ];
    const val = [{ x: 2, y: 3.95 }];
    const l = layoutChart({ width: 600, height: 240, series: [train, val], xMax: 60 });
    expect(l.paths[0]).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){2}$/);
    expect(l.paths[1]).toMatch(/^M[\d.]+,[\d.]+$/);
    expect(l.markers[1]).toHaveLength(1); // a lone validation point still shows
    expect(l.xTicks.at(-1)!.value).toBe(60);
    expect(l.xTicks.at(-1)!.pos).toBeCloseTo(l.plot.right);
    expect(l.yTicks.length).toBeGreaterThanOrEqual(2);
    for (const path of l.paths)
      for (const [, x, y] of path.matchAll(/([\d.]+),([\d.]+)/g)) {
        expect(Number(x)).toBeGreaterThanOrEqual(l.plot.left);
        expect(Number(x)).toBeLessThanOrEqual(l.plot.right);
        expect(Number(y)).toBeGreaterThanOrEqual(l.plot.top);
        expect(Number(y)).toBeLessThanOrEqual(l.plot.bottom);
      }
  });

  it('draws nothing, but still an axis, before the first step', () => {
    const l = layoutChart({ width: 600, height: 240, series: [[], []], xMax: 500 });
    expect(l.paths).toEqual(['', '']);
    expect(l.xTicks.at(-1)!.value).toBe(500);
  });
});
