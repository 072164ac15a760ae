import { describe, expect, it } from 'vitest';
import { alignSeries } from '../../../renderer/src/lib/chartData.ts';
import { lossChartColumns, lossChartPoints, lossChartSpec } from '../../../renderer/src/lib/lossChart.ts';

const train = [1, 2, 3, 4, 5, 6].map((x) => ({ x, y: x % 2 ? 3 : 2 }));
const val = [{ x: 3, y: 2.6 }, { x: 6, y: 2.4 }];

describe('lossChartSpec', () => {
  it('draws the raw curves alone without smoothing, and faint behind their EMAs with it', () => {
    expect(lossChartSpec({ smoothing: 0 }).series.map((s) => s.id)).toEqual(['train', 'val']);
    const smoothed = lossChartSpec({ smoothing: 0.6 }).series;
    expect(smoothed.map((s) => s.id)).toEqual(['train-raw', 'val-raw', 'train', 'val']);
    expect(smoothed.filter((s) => s.legend === false).map((s) => s.alpha! < 0.5)).toEqual([true, true]);
    expect(smoothed.find((s) => s.id === 'train')!.rawOf).toBe('train-raw');
  });

  it('adds a dashed baseline for text runs, and starts the x axis at 0 running to the total steps', () => {
    const spec = lossChartSpec({ smoothing: 0, baseline: 2.4567, xMax: 500 });
    const baseline = spec.series.at(-1)!;
    expect(baseline).toMatchObject({ id: 'baseline', dash: [5, 4] });
    expect(baseline.note).toContain('2.46');
    expect(spec.x).toMatchObject({ from: 0, to: 500 });
    expect(lossChartSpec({ smoothing: 0, baseline: Number.NaN }).series.map((s) => s.id)).toEqual(['train', 'val']);
  });

  it('words its axes and series in the locale asked for, English by default', () => {
    const en = lossChartSpec({ smoothing: 0, baseline: 2.4567 });
    expect([en.x.label, en.y.label, ...en.series.map((s) => s.label)]).toEqual(['step', 'loss', 'train', 'validation', 'unigram baseline']);
    expect(en.series.at(-1)!.note).toBe('(2.46 nats/char)');
    const zh = lossChartSpec({ smoothing: 0.6, baseline: 2.4567, locale: 'zh-CN' });
    expect([zh.x.label, zh.y.label]).toEqual(['步数', '损失']);
    expect(zh.series.map((s) => s.label)).toEqual(['训练（原始值）', '验证（原始值）', '训练', '验证', '一元语法基线']);
    expect(zh.series.at(-1)!.note).toBe('（2.46 奈特/字符）');
  });
});

describe('lossChartColumns', () => {
  it('gives one column a spec series, the EMAs smoothing each curve over its own points', () => {
    const points = lossChartPoints({ train, val, baseline: 2.2, xMax: 10 });
    const { x, ys } = alignSeries(points);
    expect(x).toEqual([0, 1, 2, 3, 4, 5, 6, 10]);
    const spec = lossChartSpec({ smoothing: 0.5, baseline: 2.2, xMax: 10 });
    const cols = lossChartColumns(ys, 0.5);
    expect(cols).toHaveLength(spec.series.length);
    const [trainRaw, valRaw, trainEma, valEma, baseline] = cols;
    expect(trainRaw).toEqual(ys[0]);
    expect(valRaw).toEqual(ys[1]);
    // Smoothed where raw has points, nowhere else; less zig-zag than raw.
    expect(trainEma!.map((v) => v === null)).toEqual(trainRaw!.map((v) => v === null));
    const swing = (c: (number | null)[]) => Math.max(...(c.filter((v) => v !== null) as number[]).slice(2)) - Math.min(...(c.filter((v) => v !== null) as number[]).slice(2));
    expect(swing(trainEma!)).toBeLessThan(swing(trainRaw!));
    // Validation's EMA: the first point as is, the second pulled toward it.
    expect(valEma!.filter((v) => v !== null)[0]).toBeCloseTo(2.6, 12);
    expect(valEma!.filter((v) => v !== null)[1]).toBeGreaterThan(2.4);
    expect(baseline!.filter((v) => v !== null)).toEqual([2.2, 2.2]);
  });

  it('without smoothing passes the raw columns through', () => {
    const { ys } = alignSeries(lossChartPoints({ train, val }));
    expect(lossChartColumns(ys, 0)).toEqual(ys);
  });
});
