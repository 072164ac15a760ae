import { describe, expect, it } from 'vitest';
import { alignSeries, formatReading, hasPoints, lastValue, logSafe, nearestValue } from '../../../renderer/src/lib/chartData.ts';

describe('alignSeries', () => {
  it('puts every series on one sorted x column, null where a series has no point', () => {
    const train = [1, 2, 3, 4].map((x) => ({ x, y: 10 - x }));
    const val = [{ x: 2, y: 7.5 }, { x: 4, y: 5.5 }];
    const { x, ys } = alignSeries([train, val]);
    expect(x).toEqual([1, 2, 3, 4]);
    expect(ys[0]).toEqual([9, 8, 7, 6]);
    expect(ys[1]).toEqual([null, 7.5, null, 5.5]);
  });

  it('sorts unsorted series, keeps the last y of a repeated x and leaves out non-finite points', () => {
    const { x, ys } = alignSeries([[{ x: 3, y: 1 }, { x: 1, y: 2 }, { x: 3, y: 4 }, { x: Number.NaN, y: 1 }, { x: 2, y: Infinity }]]);
    expect(x).toEqual([1, 3]);
    expect(ys[0]).toEqual([2, 4]);
  });

  it('keeps a series with no points as a column of gaps, flagged as having none', () => {
    const { x, ys } = alignSeries([[{ x: 0, y: 1 }], []]);
    expect(x).toEqual([0]);
    expect(ys[1]).toEqual([null]);
    expect(hasPoints(ys[0]!)).toBe(true);
    expect(hasPoints(ys[1]!)).toBe(false);
    expect(alignSeries([[], []])).toEqual({ x: [], ys: [[], []] });
  });

  it('aligns 100,000 live steps with a sparse validation curve', () => {
    const train = Array.from({ length: 100_000 }, (_, i) => ({ x: i + 1, y: 3 / Math.sqrt(i + 1) }));
    const val = train.filter((p) => p.x % 100 === 0);
    const { x, ys } = alignSeries([train, val]);
    expect(x).toHaveLength(100_000);
    expect(ys[0]![99_999]).toBe(train[99_999]!.y);
    expect(ys[1]!.filter((v) => v !== null)).toHaveLength(1000);
    expect(ys[1]![99]).toBe(val[0]!.y);
  });
});

describe('logSafe', () => {
  it('turns zero, negative and non-finite values into gaps a log axis can skip', () => {
    expect(logSafe([1, 0, -2, null, Number.NaN, Infinity, 0.5])).toEqual([1, null, null, null, null, null, 0.5]);
  });
});

describe('nearestValue and lastValue', () => {
  const x = [0, 10, 20, 30, 40];
  const col = [null, 2, null, null, 1];
  it('reads the row itself, else the nearest row with a value', () => {
    expect(nearestValue(x, col, 1)).toEqual({ x: 10, y: 2 });
    expect(nearestValue(x, col, 2)).toEqual({ x: 10, y: 2 });
    expect(nearestValue(x, col, 3)).toEqual({ x: 40, y: 1 });
    expect(nearestValue(x, col, 0)).toEqual({ x: 10, y: 2 });
    expect(nearestValue(x, [null, null, null, null, null], 2)).toBeNull();
    expect(nearestValue(x, col, 9)).toBeNull();
  });
  it('finds the last value', () => {
    expect(lastValue(x, col)).toEqual({ x: 40, y: 1 });
    expect(lastValue(x, [null, null])).toBeNull();
  });
});

describe('formatReading', () => {
  it('shows four significant digits, large values in thousands', () => {
    expect(formatReading(2.345678)).toBe('2.346');
    expect(formatReading(1234)).toBe('1234');
    expect(formatReading(25_000)).toBe('25k');
    expect(formatReading(0.000123456)).toBe('0.0001235');
  });

  it('writes the digits as the locale does (Chinese shortens in ten-thousands)', () => {
    expect(formatReading(25_000, 'en')).toBe('25k');
    expect(formatReading(25_000, 'zh-CN')).toBe('2.5万');
    expect(formatReading(1234, 'zh-CN')).toBe('1234');
    expect(formatReading(2.345678, 'zh-CN')).toBe('2.346');
  });
});
