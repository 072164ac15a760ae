/** Points of a curve, as the views keep them before a chart draws them. Pure functions. */
export interface Point {
  x: number;
  y: number;
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

/** Every other point, and the last: a series that keeps growing stays bounded (thinned by halves). */
export function halvePoints(points: readonly Point[]): Point[] {
  return points.filter((_, i) => i % 2 === 0 || i === points.length - 1);
}

/**
 * Adds a live point (as plotStep) to a curve kept to at most `max` points: past that, every other
 * point goes (halvePoints), so a curve of any length stays cheap to draw. Returns the curve, a new
 * array when it was thinned.
 */
export function addLivePoint(points: Point[], point: Point, max: number): Point[] {
  plotStep(points, point);
  return points.length > max ? halvePoints(points) : points;
}
