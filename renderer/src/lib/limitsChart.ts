/**
 * Geometry of the Limits lab's charts: accuracy (or a rate) from 0 to 1 against a linear x, and
 * horizontal bars of a rate. Pure, so the components only draw what these return.
 */
import { MARGIN, niceStep, plotArea, ticksBetween, tickLabel, type ChartLayout, type Point, type Tick } from './chart.ts';

export interface UnitSeries {
  points: readonly Point[];
}

/** Its paths have their points sorted by x. */
export interface UnitChartLayout extends ChartLayout {
  /** x (data) → pixels, for marks drawn over the plot (a window's edge). */
  toX(x: number): number;
}

const Y_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** A chart with y from 0 to 1 (ticks as percentages) and x over [xMin, xMax] (ticks at `xTickValues` when given). */
export function layoutUnitChart(input: {
  width: number;
  height: number;
  series: readonly UnitSeries[];
  xMin: number;
  xMax: number;
  xTickValues?: readonly number[];
}): UnitChartLayout {
  const { width, height, series } = input;
  const plot = plotArea(width, height);
  const x0 = input.xMin;
  const x1 = input.xMax > x0 ? input.xMax : x0 + 1;
  const toX = (x: number) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const toY = (y: number) => plot.bottom - Math.min(1, Math.max(0, y)) * (plot.bottom - plot.top);
  const step = niceStep(x0, x1, Math.max(2, Math.floor((plot.right - plot.left) / 70)), true);
  const xValues = input.xTickValues?.length ? [...new Set(input.xTickValues)].sort((a, b) => a - b) : ticksBetween(x0, x1, step);
  const sorted = series.map((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x));
  return {
    width,
    height,
    plot,
    xTicks: xValues.map((v) => ({ value: v, pos: toX(v), label: tickLabel(v, input.xTickValues?.length ? 1 : step) })),
    yTicks: Y_TICKS.map((v) => ({ value: v, pos: toY(v), label: `${Math.round(v * 100)}%` })),
    paths: sorted.map((s) => s.map((p, i) => `${i === 0 ? 'M' : 'L'}${toX(p.x).toFixed(1)},${toY(p.y).toFixed(1)}`).join('')),
    markers: sorted.map((s) => (s.length > 100 ? [] : s.map((p) => ({ x: toX(p.x), y: toY(p.y) })))),
    toX,
  };
}

export interface Bar {
  /** Where the bar's row is (its centre line) and how long it is, in pixels. */
  y: number;
  length: number;
  height: number;
}

/** Horizontal bars of rates in [0, 1], one row each, labels in a `labelWidth` column on the left. */
export function layoutBars(rates: readonly number[], width: number, labelWidth: number, rowHeight = 26): { plotLeft: number; plotRight: number; height: number; bars: Bar[]; ticks: Tick[] } {
  const plotLeft = labelWidth;
  const plotRight = Math.max(plotLeft + 20, width - MARGIN.right - 40);
  const span = plotRight - plotLeft;
  const bars = rates.map((r, i) => ({ y: MARGIN.top + i * rowHeight + rowHeight / 2, length: Math.min(1, Math.max(0, r)) * span, height: rowHeight * 0.6 }));
  const height = MARGIN.top + rates.length * rowHeight + MARGIN.bottom;
  const ticks = Y_TICKS.map((v) => ({ value: v, pos: plotLeft + v * span, label: `${Math.round(v * 100)}%` }));
  return { plotLeft, plotRight, height, bars, ticks };
}
