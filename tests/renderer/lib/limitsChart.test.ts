import { describe, expect, it } from 'vitest';
import { layoutBars, layoutUnitChart } from '../../../renderer/src/lib/limitsChart.ts';

describe('the Limits lab chart geometry', () => {
  it('puts 0 at the bottom and 100% at the top, whatever the data', () => {
    const l = layoutUnitChart({ width: 400, height: 200, series: [{ points: [{ x: 8, y: 0.5 }, { x: 4, y: 1 }] }], xMin: 0, xMax: 8, xTickValues: [4, 8] });
    expect(l.yTicks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
    expect(l.yTicks[0]!.pos).toBe(l.plot.bottom);
    expect(l.yTicks.at(-1)!.pos).toBe(l.plot.top);
    expect(l.xTicks.map((t) => t.value)).toEqual([4, 8]);
    // Sorted by x: the path starts at length 4 (100%, the top) and ends at 8 (halfway) on the right edge.
    const [first, second] = l.markers[0]!;
    expect(first!.y).toBe(l.plot.top);
    expect(second!.x).toBe(l.plot.right);
    expect(second!.y).toBeCloseTo((l.plot.top + l.plot.bottom) / 2);
    expect(l.paths[0]!.startsWith(`M${first!.x.toFixed(1)},`)).toBe(true);
  });

  it('draws bars in proportion to their rates, clamped to [0, 1]', () => {
    const b = layoutBars([0, 0.5, 1, 1.5], 500, 100);
    const full = b.plotRight - b.plotLeft;
    expect(b.bars.map((x) => x.length)).toEqual([0, full / 2, full, full]);
    expect(b.bars[1]!.y).toBeGreaterThan(b.bars[0]!.y);
    expect(b.ticks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
  });
});
