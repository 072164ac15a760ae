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

export interface ChartLayout {
  width: number;
  height: number;
  /** The plotting area inside the axes. */
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: Tick[];
  yTicks: Tick[];
  paths: string[];
  /** Each series' points in pixels, for markers; empty for series too long to mark. */
  markers: Point[][];
}

/** Series with at most this many points get a marker on each (sparse ones, like validation). */
export const MAX_MARKERS = 100;

export const MARGIN = { left: 48, right: 12, top: 10, bottom: 28 } as const;

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

export interface LayoutInput {
  width: number;
  height: number;
  series: readonly (readonly Point[])[];
  /** The last x the axis should show (e.g. the run's total steps); the data's own end otherwise. */
  xMax?: number;
}

export function layoutChart({ width, height, series, xMax }: LayoutInput): ChartLayout {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: Math.max(MARGIN.left + 10, width - MARGIN.right),
    bottom: Math.max(MARGIN.top + 10, height - MARGIN.bottom),
  };
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
  const xStep = niceStep(x0, x1, xCount, true);
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
