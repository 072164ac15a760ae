/**
 * Data of a chart as uPlot takes it: one x column shared by every series, each series' y at
 * those x (null where it has none). Pure, so it is tested without a DOM.
 */
import { currentLocale, numberText, type Locale } from './i18n/translate.ts';
import type { Point } from './points.ts';

export type Column = (number | null)[];

export interface AlignedSeries {
  /** Every series' x, sorted, each once. */
  x: number[];
  /** One column a series, in the order given. */
  ys: Column[];
}

/** A series' finite points in x order (the array itself when it already is), a repeated x keeping its last y. */
function sortedFinite(points: readonly Point[]): readonly Point[] {
  let ordered = true;
  let finite = true;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) finite = false;
    if (i > 0 && p.x <= points[i - 1]!.x) ordered = false;
  }
  if (ordered && finite) return points;
  const kept = points.map((p, i) => ({ p, i })).filter(({ p }) => Number.isFinite(p.x) && Number.isFinite(p.y));
  kept.sort((a, b) => a.p.x - b.p.x || a.i - b.i);
  const out: Point[] = [];
  for (const { p } of kept) {
    if (out.length && out[out.length - 1]!.x === p.x) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/**
 * Lines the series up on one x column: a merge of their sorted x, then one pass a series to fill
 * its column (linear in the points, on plain number arrays, so a live curve of 100,000 steps is
 * aligned within a frame). Points with a non-finite x or y are left out.
 */
export function alignSeries(series: readonly (readonly Point[])[]): AlignedSeries {
  const sorted = series.map(sortedFinite);
  const xs = sorted.map((s) => s.map((p) => p.x));
  // The union of the x, in order: merged pairwise (two sorted lists at a time).
  let x: number[] = [];
  for (const sx of xs) x = mergeSorted(x, sx);
  const ys: Column[] = sorted.map((s, k) => {
    const col: Column = new Array<number | null>(x.length).fill(null);
    const sx = xs[k]!;
    let j = 0;
    for (let i = 0; i < sx.length; i++) {
      while (x[j]! < sx[i]!) j++;
      col[j] = s[i]!.y;
    }
    return col;
  });
  return { x, ys };
}

/** The sorted union (each value once) of two sorted lists of distinct numbers. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const u = a[i]!;
    const v = b[j]!;
    if (u < v) {
      out.push(u);
      i++;
    } else if (v < u) {
      out.push(v);
      j++;
    } else {
      out.push(u);
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** A column a logarithmic axis can draw: zero, negative and non-finite values become gaps. */
export function logSafe(column: readonly (number | null)[]): Column {
  return column.map((v) => (v !== null && Number.isFinite(v) && v > 0 ? v : null));
}

/** Whether a column has any value to draw. */
export function hasPoints(column: readonly (number | null)[]): boolean {
  return column.some((v) => v !== null && Number.isFinite(v));
}

/**
 * The value of a column nearest (in x) to row `idx`: the row's own when it has one, else the
 * closest row that does (a sparse series, such as validation, under a cursor between its points).
 */
export function nearestValue(x: readonly number[], column: readonly (number | null)[], idx: number): { x: number; y: number } | null {
  if (idx < 0 || idx >= x.length) return null;
  const at = column[idx];
  if (at !== null && at !== undefined) return { x: x[idx]!, y: at };
  for (let lo = idx - 1, hi = idx + 1; lo >= 0 || hi < x.length; lo--, hi++) {
    const l = lo >= 0 ? column[lo] : null;
    const h = hi < x.length ? column[hi] : null;
    const dl = l !== null && l !== undefined ? x[idx]! - x[lo]! : Infinity;
    const dh = h !== null && h !== undefined ? x[hi]! - x[idx]! : Infinity;
    if (dl === Infinity && dh === Infinity) continue;
    return dl <= dh ? { x: x[lo]!, y: l! } : { x: x[hi]!, y: h! };
  }
  return null;
}

/** The last value of a column, with its x; null when it has none. */
export function lastValue(x: readonly number[], column: readonly (number | null)[]): { x: number; y: number } | null {
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return { x: x[i]!, y: v };
  }
  return null;
}

/** A number as the locale writes it, ungrouped (ticks and readouts stay narrow): "1234", "0.25". */
export function plainNumber(v: number, locale: Locale = currentLocale()): string {
  return numberText(v, { useGrouping: false, maximumFractionDigits: 20 }, locale);
}

/** A large number shortened to `digits` significant digits: "25k" in English, as the locale shortens it otherwise ("2.5万"). */
export function shortNumber(v: number, digits: number, locale: Locale = currentLocale()): string {
  if (locale === 'en') return `${plainNumber(Number((v / 1000).toPrecision(digits)), locale)}k`;
  return numberText(v, { notation: 'compact', maximumSignificantDigits: digits }, locale);
}

/** A value as a readout shows it, in the locale's digits: four significant digits, large values shortened ("25k"). */
export function formatReading(v: number, locale: Locale = currentLocale()): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 10_000) return shortNumber(v, 4, locale);
  if (a >= 1000 || (Number.isInteger(v) && a >= 1)) return plainNumber(Math.round(v), locale);
  return plainNumber(Number(v.toPrecision(4)), locale);
}

/** A fraction as a whole percentage in the locale ("50%"). */
export function formatPercent(v: number, locale: Locale = currentLocale()): string {
  return numberText(v, { style: 'percent', maximumFractionDigits: 0 }, locale);
}
