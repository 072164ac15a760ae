/**
 * A long run's metrics, thinned for showing: a run records every step, so 100,000 steps are
 * 100,000 records, far more than a chart has pixels. Every validation record is kept (they are
 * sparse and they are what curves are compared on), and the others evenly: every k-th, plus the
 * last. Exports read the full file instead.
 */
export function thinMetrics<M extends { step: number; valLoss?: number | null }>(metrics: readonly M[], budget: number): M[] {
  if (metrics.length <= budget) return [...metrics];
  const validations = metrics.reduce((n, m) => n + (m.valLoss != null ? 1 : 0), 0);
  const room = Math.max(1, budget - validations);
  const every = Math.ceil((metrics.length - validations) / room);
  const out: M[] = [];
  let seen = 0;
  metrics.forEach((m, i) => {
    if (m.valLoss != null) out.push(m);
    else if (seen++ % every === 0 || i === metrics.length - 1) out.push(m);
  });
  return out;
}
