/**
 * Exponential moving average of a curve, as TensorBoard smooths one: `weight` in [0, 1) is how
 * much of the running average each new value keeps (0: the values unchanged), and the average is
 * debiased so the curve's start is not pulled toward zero. Missing values (null, NaN, ±∞) stay
 * missing and do not move the average.
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 0.999) : 0;
  if (w === 0) return values.map((v) => (v !== null && Number.isFinite(v) ? v : null));
  const out: (number | null)[] = new Array(values.length);
  let last = 0;
  /** w^n after n values: the weight the zero start still has, divided out. */
  let decay = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    decay *= w;
    out[i] = last / (1 - decay);
  }
  return out;
}
