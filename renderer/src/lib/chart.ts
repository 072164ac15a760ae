/**
 * Geometry for the loss chart: scales, "nice" ticks and SVG paths. Pure functions, so the
 * component only draws what these return.
 */
export interface Point {
  x: number;
  y: number;
}

export interface Tick {
  value: number;
  /** Position in pixels along its axis. */
  pos: number;
  label: string;
}

/** The plotting area inside the axes, in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** What every chart's geometry has: its size, its plotting area and the ticks of both axes. */
export interface ChartFrame {
  width: number;
  height: number;
  plot: PlotArea;
  xTicks: Tick[];
  yTicks: Tick[];
}

export interface ChartLayout extends ChartFrame {
  /** One SVG path a series. */
  paths: string[];
  /** Each series' points in pixels, for markers; empty for series too long to mark. */
  markers: Point[][];
}

/** Series with at most this many points get a marker on each (sparse ones, like validation). */
export const MAX_MARKERS = 100;

export const MARGIN = { left: 48, right: 12, top: 10, bottom: 28 } as const;

/** The plotting area of a `width` × `height` chart: inside MARGIN, at least 10 pixels each way. */
export function plotArea(width: number, height: number): PlotArea {
  return {
    left: MARGIN.left,
    top: MARGIN.top,
    right: Math.max(MARGIN.left + 10, width - MARGIN.right),
    bottom: Math.max(MARGIN.top + 10, height - MARGIN.bottom),
  };
}

/**
 * A round step (1, 2, 2.5 or 5 × 10^k) that cuts [min, max] into about `count` parts; with
 * `integer`, a whole number (for steps, which are counted).
 */
export function niceStep(min: number, max: number, count = 5, integer = false): number {
  const span = Math.abs(max - min) || Math.abs(min) || 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const factors = integer && mag < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = factors.map((f) => f * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** The multiples of `step` within [min, max]. */
export function ticksBetween(min: number, max: number, step: number): number[] {
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let i = first; i <= last && ticks.length < 1000; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** About `count` round numbers covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  return ticksBetween(min, max, niceStep(min, max, count));
}

/** [min, max] widened out to whole steps, and that step. */
export function niceDomain(min: number, max: number, count = 5): { lo: number; hi: number; step: number } {
  const step = niceStep(min, max, count);
  let lo = Math.floor(min / step + 1e-9) * step;
  let hi = Math.ceil(max / step - 1e-9) * step;
  if (hi <= lo) {
    lo -= step;
    hi += step;
  }
  return { lo, hi, step };
}

/** A tick's label, with as many decimals as its step needs (0.25 → 2, 2.5 → 1, 20 → 0). */
export function tickLabel(v: number, step: number): string {
  if (Math.abs(v) >= 10_000) return `${Number((v / 1000).toPrecision(4))}k`;
  let decimals = 0;
  while (decimals < 4 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
  return v.toFixed(decimals);
}

/**
 * Keeps at most two points (the lowest and the highest) per pixel column, plus the first and
 * last, so a long run draws as fast as a short one and still shows its spikes.
 */
export function decimate(points: readonly Point[], toX: (x: number) => number): Point[] {
  if (points.length <= 2) return [...points];
  const out: Point[] = [points[0]!];
  let column = Math.round(toX(points[0]!.x));
  let lo: Point | null = null;
  let hi: Point | null = null;
  const flush = () => {
    if (lo && hi) {
      if (lo === hi) out.push(lo);
      else if (lo.x <= hi.x) out.push(lo, hi);
      else out.push(hi, lo);
    }
    lo = hi = null;
  };
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const c = Math.round(toX(p.x));
    if (c !== column) {
      flush();
      column = c;
    }
    if (!lo || p.y < lo.y) lo = p;
    if (!hi || p.y > hi.y) hi = p;
  }
  flush();
  out.push(points[points.length - 1]!);
  return out;
}

/** Every other point, and the last: a series that keeps growing stays bounded (thinned by halves). */
export function halvePoints(points: readonly Point[]): Point[] {
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

export interface LayoutInput {
  width: number;
  height: number;
  series: readonly (readonly Point[])[];
  /** The last x the axis should show (e.g. the run's total steps); the data's own end otherwise. */
  xMax?: number;
  /** x ticks at whole numbers only (steps, the default); false for a measured x such as seconds. */
  integerX?: boolean;
}

export function layoutChart({ width, height, series, xMax, integerX = true }: LayoutInput): ChartLayout {
  const plot = plotArea(width, height);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series)
    for (const p of s) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y);
    }
  const empty = !Number.isFinite(x0);
  if (empty) {
    x0 = 0;
    x1 = xMax ?? 1;
    y0 = 0;
    y1 = 1;
  }
  x0 = Math.min(0, x0);
  if (xMax !== undefined && xMax > x1) x1 = xMax;
  if (x1 <= x0) x1 = x0 + 1;
  const xCount = Math.max(2, Math.floor((plot.right - plot.left) / 90));
  const yCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 45));
  const { lo: ya, hi: yb, step: yStep } = niceDomain(y0, y1, yCount);
  const xStep = niceStep(x0, x1, xCount, integerX);
  const xTickValues = ticksBetween(x0, x1, xStep);
  const yTickValues = ticksBetween(ya, yb, yStep);
  const toX = (x: number) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const toY = (y: number) => plot.bottom - ((y - ya) / (yb - ya || 1)) * (plot.bottom - plot.top);
  const finite = series.map((s) => s.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  const paths = finite.map((s) =>
    decimate(s, toX)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${toX(p.x).toFixed(1)},${toY(p.y).toFixed(1)}`)
      .join(''),
  );
  const markers = finite.map((s) => (s.length > MAX_MARKERS ? [] : s.map((p) => ({ x: toX(p.x), y: toY(p.y) }))));
  return {
    width,
    height,
    plot,
    xTicks: xTickValues.map((v) => ({ value: v, pos: toX(v), label: tickLabel(v, xStep) })),
    yTicks: yTickValues.map((v) => ({ value: v, pos: toY(v), label: tickLabel(v, yStep) })),
    paths,
    markers,
  };
}

// ---------------------------------------------------------------- log–log charts

/** A series of a log–log chart: positive points only are drawn. */
export interface LogSeries {
  points: readonly Point[];
}

export interface LogChartLayout extends ChartFrame {
  /** The data range each axis shows (powers of ten or 1-2-5 steps around the data). */
  xDomain: { lo: number; hi: number };
  yDomain: { lo: number; hi: number };
  /** One SVG path a series, its points sorted by x. */
  paths: string[];
  /** Each series' points in pixels. */
  markers: Point[][];
}

const STEPS_125 = [1, 2, 5] as const;

/** The largest 1, 2 or 5 × 10^k at or below `v` (v > 0). */
export function floor125(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v) + 1e-12);
  let best = mag;
  for (const f of STEPS_125) if (f * mag <= v * (1 + 1e-9)) best = f * mag;
  return best;
}

/** The smallest 1, 2 or 5 × 10^k at or above `v` (v > 0). */
export function ceil125(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v) + 1e-12);
  for (const f of [...STEPS_125, 10]) if (f * mag >= v * (1 - 1e-9)) return Number((f * mag).toPrecision(12));
  return 10 * mag;
}

/**
 * A log axis range around [min, max] (positive): out to the 1-2-5 values around them, and at
 * least a factor of ten wide so that a single point or a flat series still has an axis.
 */
export function logDomain(min: number, max: number): { lo: number; hi: number } {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return { lo: 1, hi: 10 };
  if (max < min) [min, max] = [max, min];
  let lo = floor125(min);
  let hi = ceil125(max);
  if (hi / lo < 10) {
    // Widen evenly (in log terms) to one decade.
    const mid = Math.sqrt(lo * hi);
    lo = floor125(mid / Math.sqrt(10));
    hi = ceil125(Math.max(mid * Math.sqrt(10), lo * 10));
  }
  return { lo: Number(lo.toPrecision(12)), hi: Number(hi.toPrecision(12)) };
}

/**
 * Round values for a log axis within [lo, hi]: 1, 2 and 5 × 10^k while at most `maxCount` fit,
 * else the powers of ten alone (thinned to every other decade, and so on, if still too many).
 */
export function logTicks(lo: number, hi: number, maxCount = 8): number[] {
  if (!(lo > 0) || !(hi > lo) || !Number.isFinite(hi)) return [];
  const k0 = Math.floor(Math.log10(lo) - 1e-9);
  const k1 = Math.ceil(Math.log10(hi) + 1e-9);
  const within = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const all: number[] = [];
  for (let k = k0; k <= k1; k++) for (const f of STEPS_125) all.push(Number((f * 10 ** k).toPrecision(12)));
  const fine = all.filter(within);
  if (fine.length <= maxCount && fine.length >= 2) return fine;
  const powers: number[] = [];
  for (let k = k0; k <= k1; k++) powers.push(Number((10 ** k).toPrecision(12)));
  const inside = powers.filter(within);
  if (inside.length < 2) return fine.length >= 2 ? fine.filter((_, i, a) => i === 0 || i === a.length - 1) : inside;
  const every = Math.max(1, Math.ceil(inside.length / maxCount));
  return inside.filter((_, i) => i % every === 0);
}

/** A label for a log-axis value: "16", "2.5", "0.05", "1k", "20k". */
export function logTickLabel(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Maps [lo, hi] (positive) onto pixels [a, b] on a log scale. */
export function logScale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const l0 = Math.log(lo);
  const span = Math.log(hi) - l0 || 1;
  return (v) => a + ((Math.log(v) - l0) / span) * (b - a);
}

/** The least-squares slope of log y against log x (the exponent p in y ∝ x^p); null with fewer than two distinct x. */
export function logLogSlope(points: readonly Point[]): number | null {
  const ok = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  if (new Set(ok.map((p) => p.x)).size < 2) return null;
  const xs = ok.map((p) => Math.log(p.x));
  const ys = ok.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}

export interface LogLayoutInput {
  width: number;
  height: number;
  series: readonly LogSeries[];
  /** Values to tick on the x axis (e.g. the lengths measured); round values otherwise. */
  xTickValues?: readonly number[];
  /** The x range to show even before any point exists (e.g. the lengths about to be measured). */
  xExtent?: { min: number; max: number };
}

/** Geometry of a log–log chart (latency against length): both axes logarithmic. */
export function layoutLogChart({ width, height, series, xTickValues, xExtent }: LogLayoutInput): LogChartLayout {
  const plot = plotArea(width, height);
  const positive = series.map((s) =>
    s.points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x),
  );
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of positive)
    for (const p of s) {
      x0 = Math.min(x0, p.x);
      x1 = Math.max(x1, p.x);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y);
    }
  if (xExtent && xExtent.min > 0 && xExtent.max > 0) {
    x0 = Math.min(x0, xExtent.min);
    x1 = Math.max(x1, xExtent.max);
  }
  const ticked = (xTickValues ?? []).filter((v) => v > 0 && Number.isFinite(v));
  // The x axis: exactly the ticked values' span when given (lengths are the data), else 1-2-5.
  let xDomain: { lo: number; hi: number };
  if (ticked.length >= 2 || (ticked.length === 1 && Number.isFinite(x0))) {
    const lo = Math.min(...ticked, Number.isFinite(x0) ? x0 : Infinity);
    const hi = Math.max(...ticked, Number.isFinite(x1) ? x1 : -Infinity);
    xDomain = hi > lo ? { lo: lo / 1.15, hi: hi * 1.15 } : logDomain(lo, hi);
  } else xDomain = Number.isFinite(x0) ? (x1 > x0 ? { lo: x0 / 1.15, hi: x1 * 1.15 } : logDomain(x0, x1)) : { lo: 10, hi: 1000 };
  const yDomain = Number.isFinite(y0) ? logDomain(y0, y1) : { lo: 1, hi: 1000 };
  const toX = logScale(xDomain.lo, xDomain.hi, plot.left, plot.right);
  const toY = logScale(yDomain.lo, yDomain.hi, plot.bottom, plot.top);
  const xCount = Math.max(2, Math.floor((plot.right - plot.left) / 60));
  const yCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 28));
  const xValues = ticked.length ? [...new Set(ticked)].sort((a, b) => a - b) : logTicks(xDomain.lo, xDomain.hi, xCount);
  const yValues = logTicks(yDomain.lo, yDomain.hi, yCount);
  const paths = positive.map((s) => s.map((p, i) => `${i === 0 ? 'M' : 'L'}${toX(p.x).toFixed(1)},${toY(p.y).toFixed(1)}`).join(''));
  const markers = positive.map((s) => s.map((p) => ({ x: toX(p.x), y: toY(p.y) })));
  return {
    width,
    height,
    plot,
    xDomain,
    yDomain,
    xTicks: xValues.map((v) => ({ value: v, pos: toX(v), label: logTickLabel(v) })),
    yTicks: yValues.map((v) => ({ value: v, pos: toY(v), label: logTickLabel(v) })),
    paths,
    markers,
  };
}

// ---------------------------------------------------------------- scatter: log x, linear y

export interface ScatterLayout extends ChartFrame {
  xDomain: { lo: number; hi: number };
  yDomain: { lo: number; hi: number };
  /** Each point in pixels (null for a point that cannot be drawn: x ≤ 0 or not finite). */
  markers: (Point | null)[];
}

/**
 * Geometry of a scatter plot with a logarithmic x axis and a linear y axis (the quality–speed
 * frontier: ms per token against NLL per character). The x range is the points' own, a little
 * widened; the y range is rounded out to nice steps.
 */
export function layoutScatter({ width, height, points }: { width: number; height: number; points: readonly Point[] }): ScatterLayout {
  const plot = plotArea(width, height);
  const ok = (p: Point) => p.x > 0 && Number.isFinite(p.x) && Number.isFinite(p.y);
  const shown = points.filter(ok);
  const xs = shown.map((p) => p.x);
  const ys = shown.map((p) => p.y);
  const xDomain = xs.length ? (Math.max(...xs) > Math.min(...xs) * 1.5 ? { lo: Math.min(...xs) / 1.3, hi: Math.max(...xs) * 1.3 } : logDomain(Math.min(...xs), Math.max(...xs))) : { lo: 0.1, hi: 100 };
  const yCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 45));
  const { lo: ylo, hi: yhi, step: yStep } = ys.length ? niceDomain(Math.min(...ys), Math.max(...ys), yCount) : { lo: 0, hi: 4, step: 1 };
  const toX = logScale(xDomain.lo, xDomain.hi, plot.left, plot.right);
  const toY = (y: number) => plot.bottom - ((y - ylo) / (yhi - ylo || 1)) * (plot.bottom - plot.top);
  const xCount = Math.max(2, Math.floor((plot.right - plot.left) / 60));
  return {
    width,
    height,
    plot,
    xDomain,
    yDomain: { lo: ylo, hi: yhi },
    xTicks: logTicks(xDomain.lo, xDomain.hi, xCount).map((v) => ({ value: v, pos: toX(v), label: logTickLabel(v) })),
    yTicks: ticksBetween(ylo, yhi, yStep).map((v) => ({ value: v, pos: toY(v), label: tickLabel(v, yStep) })),
    markers: points.map((p) => (ok(p) ? { x: toX(p.x), y: toY(p.y) } : null)),
  };
}

/** Where a point's label goes: its anchor point and which side of the point it reads from. */
export interface PlacedLabel {
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

/**
 * Places a short label beside each marker so that labels stay inside the plot and do not overlap:
 * to the right of its point (to the left near the right edge), pushed down a line at a time past
 * labels already placed. `charWidth` and `lineHeight` are the label font's rough metrics in pixels.
 */
export function placeLabels(
  markers: readonly (Point | null)[],
  labels: readonly string[],
  plot: PlotArea,
  charWidth = 6,
  lineHeight = 12,
): (PlacedLabel | null)[] {
  const placed: { x0: number; x1: number; y: number }[] = [];
  const out: (PlacedLabel | null)[] = markers.map(() => null);
  const order = markers.map((m, i) => i).filter((i) => markers[i]).sort((a, b) => markers[a]!.y - markers[b]!.y || markers[a]!.x - markers[b]!.x);
  for (const i of order) {
    const m = markers[i]!;
    const w = (labels[i] ?? '').length * charWidth;
    const right = m.x + 6 + w <= plot.right;
    const x0 = right ? m.x + 6 : m.x - 6 - w;
    const x1 = x0 + w;
    let y = Math.max(plot.top + lineHeight, m.y - 5);
    const clashes = (yy: number) => placed.some((p) => p.x0 < x1 && x0 < p.x1 && Math.abs(p.y - yy) < lineHeight);
    while (clashes(y) && y < plot.bottom + lineHeight * markers.length) y += lineHeight;
    placed.push({ x0, x1, y });
    out[i] = { x: right ? m.x + 6 : m.x - 6, y, anchor: right ? 'start' : 'end' };
  }
  return out;
}

/**
 * Adds a live point to a curve in step order: points at or after its step go first. A followed
 * job's first events may repeat steps already drawn from the run's stored metrics, and a resumed
 * run repeats the steps after its checkpoint; neither is drawn twice.
 */
export function plotStep(points: Point[], point: Point): void {
  let keep = points.length;
  while (keep > 0 && points[keep - 1]!.x >= point.x) keep--;
  if (keep < points.length) points.splice(keep);
  points.push(point);
}
