/**
 * What a chart shows (ChartSpec: its axes and series, in plain data) and the uPlot options that
 * draw it. Pure: colours arrive resolved, and the few callbacks uPlot calls (the cursor, a zoom,
 * overlays) are passed in, so the options are built and tested without a DOM.
 */
import uPlot from 'uplot';
import { formatPercent, plainNumber, shortNumber } from './chartData.ts';
import { currentLocale, type Locale } from './i18n/translate.ts';

export interface SeriesSpec {
  /** Stable id: the legend entry's test id ends with it. */
  id: string;
  label: string;
  /** The label is data (a run's name), not the app's text: not translated, and marked so (data-i18n-skip). */
  labelIsData?: boolean;
  /** A CSS colour, or var(--name) of one of the page's colours (dark and light alike). */
  color: string;
  /** Line width in CSS pixels (2 by default). */
  width?: number;
  /** Canvas line dash, e.g. [5, 4] for a dashed baseline. */
  dash?: number[];
  /** 0..1: a faint series (raw values drawn behind their smoothed curve). */
  alpha?: number;
  /** A line (with markers where points are sparse), markers alone, or bars. */
  kind?: 'line' | 'points' | 'bars';
  /** Markers on every point of a line (true), on none (false), or where points are far apart (unset). */
  markers?: boolean;
  /** Listed in the legend (true by default). */
  legend?: boolean;
  /** The id of the series holding this one's raw values: the readout shows both. */
  rawOf?: string;
  /** A note after the legend entry's value (e.g. a fitted exponent). */
  note?: string;
  /** The legend entry's tooltip. */
  title?: string;
  /** Attributes of the legend entry (data-testid, data-*), for views and tests that find it. */
  attrs?: Record<string, string>;
}

export interface AxisSpec {
  label: string;
  /** A logarithmic scale (base 10). */
  log?: boolean;
  /** The tick values (e.g. the lengths measured); round values otherwise. */
  ticks?: readonly number[];
  /** Ticks at whole numbers only (steps). */
  integer?: boolean;
  /** Values are fractions shown as percentages, on a fixed 0 to 100 % range. */
  percent?: boolean;
}

export interface ChartSpec {
  x: AxisSpec & {
    /** Where the x axis starts and ends at least when not zoomed (0 and a run's total steps). */
    from?: number;
    to?: number;
    /** Bars: one category per x = 0, 1, …, named here. */
    categories?: readonly string[];
  };
  y: AxisSpec;
  series: SeriesSpec[];
}

/** The theme's colours a chart draws its axes with, and a resolver for series colours. */
export interface ChartPalette {
  text: string;
  muted: string;
  grid: string;
  surface: string;
  /** A series' colour (var(--name) resolved to the theme's value). */
  color(css: string): string;
}

export interface ChartCallbacks {
  /** The row under the cursor, or null when the cursor leaves the plot. */
  cursor(idx: number | null): void;
  /** A drag selected an x range: the caller zooms to it (or not). */
  select(min: number, max: number): void;
  /** Whether the x axis is zoomed in (then the x range is left as set). */
  zoomed(): boolean;
  /** Draws over the plot after each redraw (labels, marks). */
  draw?(u: uPlot): void;
  /** A double click: reset the zoom. */
  reset(): void;
}

const FONT = '11px system-ui, sans-serif';

/** 1, 2 and 5 × 10^k, from 1 up: tick steps for counted x (steps). */
const INTEGER_INCRS = Array.from({ length: 13 }, (_, k) => [1, 2, 5].map((f) => f * 10 ** k)).flat();

/** The nearest 1, 2 or 5 × 10^k at or below `v` (down), or at or above it (up); v > 0. */
export function round125(v: number, up: boolean): number {
  const mag = 10 ** Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((f) => Number((f * mag).toPrecision(12)));
  return up ? steps.find((s) => s >= v * (1 - 1e-9))! : steps.findLast((s) => s <= v * (1 + 1e-9))!;
}

/** Whether v is 1, 2 or 5 × 10^k: the ticks a log axis labels. */
export function isRound125(v: number): boolean {
  if (!(v > 0)) return false;
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 5, 10].some((f) => Math.abs(m - f) < 1e-6 * f);
}

/** The range a log scale shows around [min, max] of its data: out to round 1-2-5 values, one decade at the least. */
export function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [1, 10];
  let lo = min;
  let hi = max;
  if (hi / lo < 10) {
    const mid = Math.sqrt(lo * hi);
    lo = mid / Math.sqrt(10);
    hi = mid * Math.sqrt(10);
  }
  return [round125(lo, false), round125(hi, true)];
}

/** The x range when not zoomed: the data's, widened to the spec's from/to; a log axis padded by 15 %. */
export function fullXRange(spec: ChartSpec['x'], min: number | null, max: number | null): [number, number] {
  if (spec.categories) return [-0.5, Math.max(0, spec.categories.length - 1) + 0.5];
  const ticks = spec.ticks?.filter((t) => Number.isFinite(t) && (!spec.log || t > 0)) ?? [];
  let lo = Math.min(min ?? Infinity, spec.from ?? Infinity, ...ticks);
  let hi = Math.max(max ?? -Infinity, spec.to ?? -Infinity, ...ticks);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return spec.log ? [10, 1000] : [0, 1];
  if (spec.log) {
    if (!(hi > 0)) return [10, 1000];
    if (!(lo > 0)) lo = hi / 10;
    if (!(hi > lo)) return logRange(lo, lo);
    // Given ticks bound the axis closely; otherwise out to round values, so the end ticks read well.
    return ticks.length ? [lo / 1.15, hi * 1.15] : [round125(lo / 1.15, false), round125(hi * 1.15, true)];
  }
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

/** A tick label in the locale's digits: "0.25", "3", "2.5k" ("2.5万" in Chinese); percentages as "50%". */
export function tickText(v: number, axis: AxisSpec, locale: Locale = currentLocale()): string {
  if (axis.percent) return formatPercent(v, locale);
  const a = Math.abs(v);
  if (a >= 10_000) return shortNumber(v, 3, locale);
  if (a >= 1000) return a % 1000 === 0 && locale === 'en' ? shortNumber(v, 3, locale) : plainNumber(Math.round(v), locale);
  return plainNumber(Number(v.toPrecision(3)), locale);
}

function seriesOptions(s: SeriesSpec, palette: ChartPalette): uPlot.Series {
  const stroke = palette.color(s.color);
  const kind = s.kind ?? 'line';
  const base: uPlot.Series = {
    label: s.label,
    stroke,
    width: s.width ?? 2,
    spanGaps: true,
    ...(s.dash ? { dash: s.dash } : {}),
    ...(s.alpha !== undefined ? { alpha: s.alpha } : {}),
  };
  if (kind === 'bars') {
    return { ...base, fill: stroke, width: 0, paths: uPlot.paths.bars!({ size: [0.6, 80], align: 0 }), points: { show: false } };
  }
  if (kind === 'points') return { ...base, paths: () => null, points: { show: true, size: 8, fill: stroke, stroke: palette.surface, width: 1 } };
  if (s.markers === false) return { ...base, points: { show: false } };
  return { ...base, points: s.markers ? { show: true, size: 6, fill: stroke, stroke } : { fill: stroke, size: 5 } };
}

function axisOptions(axis: AxisSpec & { categories?: readonly string[] }, palette: ChartPalette, which: 'x' | 'y', locale: Locale): uPlot.Axis {
  const ticks = axis.ticks?.length ? [...new Set(axis.ticks)].sort((a, b) => a - b) : null;
  const categories = axis.categories;
  // uPlot hands a null for a tick it leaves unlabelled (a crowded log axis).
  const labels = (_u: uPlot, splits: (number | null)[]) => splits.map((v) => (v === null ? '' : tickText(v, axis, locale)));
  return {
    label: axis.label,
    stroke: palette.muted,
    font: FONT,
    labelFont: FONT,
    labelSize: which === 'x' ? 18 : 20,
    labelGap: 2,
    size: which === 'x' ? 30 : 52,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1, size: 4 },
    ...(categories
      ? { splits: () => categories.map((_, i) => i), values: (_u: uPlot, splits: (number | null)[]) => splits.map((i) => (i === null ? '' : (categories[i] ?? ''))) }
      : ticks
        ? // Every given tick labelled (uPlot's log axes otherwise label only 1, 2 and 5 × 10^k).
          { splits: () => ticks, filter: (_u: uPlot, splits: number[]) => splits, values: labels }
        : axis.percent
          ? { splits: () => [0, 0.25, 0.5, 0.75, 1], values: labels }
          : axis.log
            ? { filter: (_u: uPlot, splits: number[]) => splits.map((v) => (isRound125(v) ? v : null)), values: labels }
            : { ...(axis.integer ? { incrs: INTEGER_INCRS } : {}), values: labels }),
  };
}

/** uPlot's options for `spec` at `width` × `height` (the plot and its axes; the legend is the caller's), tick labels in `locale`. */
export function buildChartOptions(
  spec: ChartSpec,
  size: { width: number; height: number },
  palette: ChartPalette,
  on: ChartCallbacks,
  locale: Locale = currentLocale(),
): uPlot.Options {
  const x = spec.x;
  const y = spec.y;
  return {
    width: size.width,
    height: size.height,
    // Room on the right for the last x tick's label; the axis label sits under the ticks, never on the data.
    padding: [10, 14, 0, 0],
    legend: { show: false },
    cursor: {
      // Drag across x to zoom (the caller sets the scale); categories have nothing to zoom into.
      drag: { x: !x.categories, y: false, setScale: false },
      points: { size: 7 },
      bind: {
        dblclick: () => () => {
          on.reset();
          return null;
        },
      },
    },
    scales: {
      x: {
        time: false,
        ...(x.log ? { distr: 3, log: 10 } : {}),
        range: (_u, min, max) => (on.zoomed() ? [min, max] : fullXRange(x, min, max)),
      },
      y: y.percent
        ? { range: [0, 1] }
        : y.log
          ? { distr: 3, log: 10, range: (_u, min, max) => logRange(min, max) }
          : spec.series.some((s) => s.kind === 'bars')
            ? { range: (_u, _min, max) => [0, Math.max(1e-9, max ?? 1) * 1.1] }
            : {},
    },
    axes: [axisOptions(x, palette, 'x', locale), axisOptions(y, palette, 'y', locale)],
    series: [{ label: x.label }, ...spec.series.map((s) => seriesOptions(s, palette))],
    hooks: {
      setCursor: [(u) => on.cursor(u.cursor.idx ?? null)],
      setSelect: [
        (u) => {
          if (u.select.width < 4) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          on.select(Math.min(a, b), Math.max(a, b));
        },
      ],
      ...(on.draw ? { draw: [(u: uPlot) => on.draw!(u)] } : {}),
    },
  };
}
