import { describe, expect, it } from 'vitest';
import { buildChartOptions, fullXRange, isRound125, logRange, round125, tickText, type ChartSpec } from '../../../renderer/src/lib/chartOptions.ts';

const palette = { text: '#111', muted: '#666', grid: '#eee', surface: '#fff', color: (c: string) => (c === 'var(--train)' ? '#2563eb' : c) };
const callbacks = (zoomed = false) => ({ cursor: () => {}, select: () => {}, zoomed: () => zoomed, reset: () => {} });
const spec = (log = false): ChartSpec => ({
  x: { label: 'step', integer: true, from: 0, to: 100 },
  y: { label: 'loss', log },
  series: [
    { id: 'train', label: 'train', color: 'var(--train)' },
    { id: 'base', label: 'baseline', color: '#888', dash: [5, 4], alpha: 0.3 },
  ],
});

describe('buildChartOptions', () => {
  it('maps each series to a uPlot series with its resolved colour, dash and alpha, after the x series', () => {
    const o = buildChartOptions(spec(), { width: 500, height: 200 }, palette, callbacks());
    expect(o.series).toHaveLength(3);
    expect(o.series[1]).toMatchObject({ label: 'train', stroke: '#2563eb' });
    expect(o.series[2]).toMatchObject({ dash: [5, 4], alpha: 0.3 });
    expect(o.legend?.show).toBe(false);
    expect(o.axes?.map((a) => a.label)).toEqual(['step', 'loss']);
  });

  it('switches y to a base-10 log scale (uPlot distr 3) when asked', () => {
    expect(buildChartOptions(spec(false), { width: 500, height: 200 }, palette, callbacks()).scales!.y!.distr).toBeUndefined();
    const y = buildChartOptions(spec(true), { width: 500, height: 200 }, palette, callbacks()).scales!.y!;
    expect(y).toMatchObject({ distr: 3, log: 10 });
  });

  it('shows the whole x extent unless zoomed, and the zoomed window as set', () => {
    const range = (zoomed: boolean) => buildChartOptions(spec(), { width: 500, height: 200 }, palette, callbacks(zoomed)).scales!.x!.range as (u: unknown, a: number, b: number) => [number, number];
    expect(range(false)(null, 5, 40)).toEqual([0, 100]);
    expect(range(true)(null, 5, 40)).toEqual([5, 40]);
  });
});

describe('axis labels', () => {
  it('leave the ticks uPlot skips (null) blank, on every kind of axis', () => {
    const kinds: ChartSpec['x'][] = [{ label: 'n', log: true, ticks: [16, 32] }, { label: 'p', percent: true }, { label: 's' }, { label: 'c', categories: ['a', 'b'] }];
    for (const x of kinds) {
      const o = buildChartOptions({ x, y: { label: 'y' }, series: [] }, { width: 300, height: 200 }, palette, callbacks());
      const values = o.axes![0]!.values as (u: unknown, splits: (number | null)[]) => string[];
      expect(values(null, [null, 1])).toHaveLength(2);
      expect(values(null, [null, 1])[0]).toBe('');
    }
    // Given ticks on a log axis are all kept (uPlot would label only 1-2-5 values).
    const o = buildChartOptions({ x: kinds[0]!, y: { label: 'y' }, series: [] }, { width: 300, height: 200 }, palette, callbacks());
    const filter = o.axes![0]!.filter as (u: unknown, splits: number[]) => number[];
    expect(filter(null, [16, 32, 64])).toEqual([16, 32, 64]);
  });
});

describe('logRange', () => {
  it('is safe with zero, negative or missing values', () => {
    expect(logRange(0, 5)).toEqual([1, 10]);
    expect(logRange(-1, -0.5)).toEqual([1, 10]);
    expect(logRange(null, null)).toEqual([1, 10]);
  });
  it('spans at least a decade around positive data', () => {
    expect(logRange(2, 3)).toEqual([0.5, 10]);
    expect(logRange(1.3, 4.2)).toEqual([0.5, 10]);
    expect(logRange(0.01, 100)).toEqual([0.01, 100]);
    expect(logRange(0.013, 170)).toEqual([0.01, 200]);
  });
});

describe('round125', () => {
  it('rounds to 1, 2 or 5 × 10^k, down or up', () => {
    expect(round125(3.7, false)).toBe(2);
    expect(round125(3.7, true)).toBe(5);
    expect(round125(0.05, false)).toBe(0.05);
    expect(round125(120, true)).toBe(200);
  });
});

describe('isRound125', () => {
  it('picks the 1-2-5 values a log axis labels', () => {
    expect([0.02, 0.5, 1, 2, 5, 10, 200].every(isRound125)).toBe(true);
    expect([0.03, 3, 7, 0, -1].some(isRound125)).toBe(false);
  });
});

describe('fullXRange', () => {
  it('keeps the measured lengths on a log axis with some room, and categories centred', () => {
    const [lo, hi] = fullXRange({ label: 'n', log: true, ticks: [16, 32, 64] }, null, null);
    expect(lo).toBeCloseTo(16 / 1.15, 9);
    expect(hi).toBeCloseTo(64 * 1.15, 9);
    expect(fullXRange({ label: 's', categories: ['a', 'b', 'c'] }, 0, 2)).toEqual([-0.5, 2.5]);
    expect(fullXRange({ label: 'n', log: true }, 0, 0)).toEqual([10, 1000]);
    expect(fullXRange({ label: 'n', log: true }, 0, 50)).toEqual([2, 100]);
    expect(fullXRange({ label: 'ms', log: true }, 0.0155, 32)).toEqual([0.01, 50]);
  });
});

describe('tickText', () => {
  it('writes percentages, thousands and short decimals', () => {
    expect(tickText(0.25, { label: '', percent: true })).toBe('25%');
    expect(tickText(2000, { label: '' })).toBe('2k');
    expect(tickText(25_000, { label: '' })).toBe('25k');
    expect(tickText(0.1234, { label: '' })).toBe('0.123');
  });

  it('writes them as the locale does: English by default, Chinese in ten-thousands (万)', () => {
    expect(tickText(1500, { label: '' }, 'en')).toBe('1500');
    expect(tickText(0.5, { label: '', percent: true }, 'zh-CN')).toBe('50%');
    expect(tickText(2000, { label: '' }, 'zh-CN')).toBe('2000');
    expect(tickText(25_000, { label: '' }, 'zh-CN')).toBe('2.5万');
    expect(tickText(123_456, { label: '' }, 'zh-CN')).toBe('12.3万');
    expect(tickText(0.1234, { label: '' }, 'zh-CN')).toBe('0.123');
  });

  it('labels the ticks in the locale the options are built for', () => {
    const spec: ChartSpec = { x: { label: 'x' }, y: { label: 'y' }, series: [] };
    const palette = { text: '#000', muted: '#555', grid: '#eee', surface: '#fff', color: (c: string) => c };
    const on = { cursor: () => {}, select: () => {}, zoomed: () => false, reset: () => {} };
    const values = (locale: 'en' | 'zh-CN') => {
      const axis = buildChartOptions(spec, { width: 400, height: 200 }, palette, on, locale).axes![1]!;
      return (axis.values as (u: unknown, splits: number[]) => string[])(null, [0, 50_000, 100_000]);
    };
    expect(values('en')).toEqual(['0', '50k', '100k']);
    expect(values('zh-CN')).toEqual(['0', '5万', '10万']);
  });
});
