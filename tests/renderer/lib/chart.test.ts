import { describe, expect, it } from 'vitest';
import {
  ceil125,
  decimate,
  halvePoints,
  plotStep,
  floor125,
  layoutChart,
  layoutLogChart,
  layoutScatter,
  placeLabels,
  logDomain,
  logLogSlope,
  logScale,
  logTickLabel,
  logTicks,
  niceDomain,
  niceStep,
  niceTicks,
  tickLabel,
} from '../../../renderer/src/lib/chart.ts';

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

describe('log axes', () => {
  it('rounds to 1-2-5 values', () => {
    expect(floor125(3)).toBe(2);
    expect(floor125(1000)).toBe(1000);
    expect(floor125(0.07)).toBeCloseTo(0.05);
    expect(ceil125(3)).toBe(5);
    expect(ceil125(999)).toBe(1000);
    expect(ceil125(1000)).toBe(1000);
    expect(ceil125(0.013)).toBeCloseTo(0.02);
  });

  it('covers the data and spans at least a decade', () => {
    expect(logDomain(0.9, 700)).toEqual({ lo: 0.5, hi: 1000 });
    const narrow = logDomain(3, 5);
    expect(narrow.lo).toBeLessThanOrEqual(3);
    expect(narrow.hi).toBeGreaterThanOrEqual(5);
    expect(narrow.hi / narrow.lo).toBeGreaterThanOrEqual(10);
    const single = logDomain(42, 42);
    expect(single.lo).toBeLessThan(42);
    expect(single.hi).toBeGreaterThan(42);
    expect(logDomain(0, 5)).toEqual({ lo: 1, hi: 10 }); // nothing positive to show
  });

  it('ticks 1-2-5 when few fit, powers of ten otherwise', () => {
    expect(logTicks(1, 100, 8)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(0.5, 1000, 8)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(1, 1e8, 4)).toEqual([1, 1000, 1_000_000]); // every third decade
    expect(logTicks(5, 1, 8)).toEqual([]);
    for (const t of logTicks(0.02, 3000, 6)) expect(t).toBeGreaterThanOrEqual(0.02);
    expect(logTicks(0.02, 3000, 6).length).toBeLessThanOrEqual(6);
  });

  it('labels ticks compactly', () => {
    expect(logTickLabel(16)).toBe('16');
    expect(logTickLabel(0.05)).toBe('0.05');
    expect(logTickLabel(2000)).toBe('2k');
    expect(logTickLabel(2500)).toBe('2.5k');
  });

  it('maps equal ratios to equal distances', () => {
    const toX = logScale(10, 1000, 0, 200);
    expect(toX(10)).toBeCloseTo(0);
    expect(toX(100)).toBeCloseTo(100);
    expect(toX(1000)).toBeCloseTo(200);
    expect(toX(20) - toX(10)).toBeCloseTo(toX(200) - toX(100));
  });

  it('fits the exponent of a power law', () => {
    const square = [16, 32, 64, 128].map((n) => ({ x: n, y: 0.01 * n * n }));
    expect(logLogSlope(square)).toBeCloseTo(2, 6);
    const flat = [16, 32, 64].map((n) => ({ x: n, y: 5 }));
    expect(logLogSlope(flat)).toBeCloseTo(0, 6);
    expect(logLogSlope([{ x: 16, y: 3 }])).toBeNull();
    expect(logLogSlope([{ x: 16, y: 3 }, { x: 16, y: 4 }])).toBeNull();
  });
});

describe('layoutLogChart', () => {
  const lengths = [16, 32, 64, 128, 256];
  const naive = lengths.map((n) => ({ x: n, y: 0.02 * n * n }));
  const cached = lengths.map((n) => ({ x: n, y: 0.5 * n }));
  const nar = lengths.slice(0, 3).map((n) => ({ x: n, y: 8 }));

  it('ticks the measured lengths and keeps every point inside the plot', () => {
    const l = layoutLogChart({ width: 640, height: 300, series: [{ points: naive }, { points: cached }, { points: nar }], xTickValues: lengths });
    expect(l.xTicks.map((t) => t.value)).toEqual(lengths);
    expect(l.xTicks.map((t) => t.label)).toEqual(['16', '32', '64', '128', '256']);
    // Doubling the length is the same step everywhere on a log axis.
    const gaps = l.xTicks.slice(1).map((t, i) => t.pos - l.xTicks[i]!.pos);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 6);
    expect(l.yDomain.lo).toBeLessThanOrEqual(5.12);
    expect(l.yDomain.hi).toBeGreaterThanOrEqual(1310.72);
    expect(l.markers.map((m) => m.length)).toEqual([5, 5, 3]);
    for (const series of l.markers)
      for (const p of series) {
        expect(p.x).toBeGreaterThanOrEqual(l.plot.left);
        expect(p.x).toBeLessThanOrEqual(l.plot.right);
        expect(p.y).toBeGreaterThanOrEqual(l.plot.top);
        expect(p.y).toBeLessThanOrEqual(l.plot.bottom);
      }
    expect(l.paths[0]).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){4}$/);
  });

  it('draws a power law as a straight line whose slope is its exponent', () => {
    const l = layoutLogChart({ width: 640, height: 300, series: [{ points: naive }, { points: cached }], xTickValues: lengths });
    const slope = (m: { x: number; y: number }[]) => (m.at(-1)!.y - m[0]!.y) / (m.at(-1)!.x - m[0]!.x);
    const mid = (m: { x: number; y: number }[]) => (m[2]!.y - m[0]!.y) / (m[2]!.x - m[0]!.x);
    expect(mid(l.markers[0]!)).toBeCloseTo(slope(l.markers[0]!), 6); // straight
    // Back from pixels to decades: the n² line rises two decades of latency per decade of length.
    const pxX = l.plot.right - l.plot.left;
    const pxY = l.plot.bottom - l.plot.top;
    const rx = Math.log10(l.xDomain.hi / l.xDomain.lo);
    const ry = Math.log10(l.yDomain.hi / l.yDomain.lo);
    const exponent = (m: { x: number; y: number }[]) => -slope(m) * (ry / pxY) * (pxX / rx);
    expect(exponent(l.markers[0]!)).toBeCloseTo(2, 6);
    expect(exponent(l.markers[1]!)).toBeCloseTo(1, 6);
  });

  it('sorts points by length and leaves out what a log axis cannot show', () => {
    const l = layoutLogChart({
      width: 400,
      height: 200,
      series: [{ points: [{ x: 64, y: 3 }, { x: 16, y: 1 }, { x: 0, y: 2 }, { x: 32, y: -1 }, { x: 8, y: Number.NaN }] }],
    });
    expect(l.markers[0]).toHaveLength(2);
    expect(l.markers[0]![0]!.x).toBeLessThan(l.markers[0]![1]!.x);
  });

  it('has axes before the first point arrives', () => {
    const l = layoutLogChart({ width: 400, height: 200, series: [{ points: [] }], xTickValues: [16, 32, 64], xExtent: { min: 16, max: 64 } });
    expect(l.paths).toEqual(['']);
    expect(l.xTicks.map((t) => t.value)).toEqual([16, 32, 64]);
    expect(l.yTicks.length).toBeGreaterThanOrEqual(2);
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

describe('layoutChart x ticks', () => {
  it('are whole numbers for steps, and may be fractions for a measured x (seconds)', () => {
    const series = [[{ x: 0, y: 1 }, { x: 1.2, y: 2 }]];
    const steps = layoutChart({ width: 600, height: 200, series });
    expect(steps.xTicks.every((t) => Number.isInteger(t.value))).toBe(true);
    const seconds = layoutChart({ width: 600, height: 200, series, integerX: false });
    expect(seconds.xTicks.length).toBeGreaterThan(2);
    expect(seconds.xTicks.some((t) => !Number.isInteger(t.value))).toBe(true);
  });
});


describe('layoutScatter', () => {
  it('puts x on a log scale and y on a linear one, inside the plot, and leaves out what cannot be drawn', () => {
    const points = [
      { x: 0.5, y: 2.1 },
      { x: 5, y: 2.6 },
      { x: 50, y: 3.1 },
      { x: 0, y: 2 },
    ];
    const l = layoutScatter({ width: 400, height: 260, points });
    const [a, b, c, d] = l.markers;
    expect(d).toBeNull();
    // Equal ratios of x are equal distances; equal differences of y are equal distances.
    expect(b!.x - a!.x).toBeCloseTo(c!.x - b!.x, 6);
    expect(a!.y - b!.y).toBeCloseTo(b!.y - c!.y, 6);
    for (const m of [a, b, c]) {
      expect(m!.x).toBeGreaterThan(l.plot.left);
      expect(m!.x).toBeLessThan(l.plot.right);
      expect(m!.y).toBeGreaterThanOrEqual(l.plot.top);
      expect(m!.y).toBeLessThanOrEqual(l.plot.bottom);
    }
    expect(l.xTicks.map((t) => t.value)).toContain(1);
    expect(l.yDomain.lo).toBeLessThanOrEqual(2.1);
    expect(l.yDomain.hi).toBeGreaterThanOrEqual(3.1);
    expect(layoutScatter({ width: 400, height: 260, points: [] }).markers).toEqual([]);
  });
});

describe('placeLabels', () => {
  const plot = { left: 40, top: 10, right: 300, bottom: 200 };
  it('keeps labels inside the plot and apart from each other', () => {
    const markers = [{ x: 100, y: 100 }, { x: 102, y: 101 }, { x: 104, y: 99 }, { x: 295, y: 50 }, null];
    const labels = ['hybrid k=2', 'hybrid k=4', 'hybrid k=8', 'mask-predict T=10', 'gone'];
    const placed = placeLabels(markers, labels, plot);
    expect(placed[4]).toBeNull();
    // Near the right edge a label reads leftwards from its point.
    expect(placed[3]).toMatchObject({ anchor: 'end', x: 289 });
    const boxes = placed.slice(0, 3).map((p, i) => ({ x0: p!.x, x1: p!.x + labels[i]!.length * 6, y: p!.y }));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(a.x0 < b.x1 && b.x0 < a.x1 && Math.abs(a.y - b.y) < 12).toBe(false);
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
