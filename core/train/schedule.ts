export type ScheduleName = 'constant' | 'cosine' | 'linear';

/**
 * Learning rate at `step` (1-based): linear warm-up over `warmup` steps, then constant, cosine
 * decay to 10% of the peak, or linear decay to 10%, by `total`.
 */
export function learningRate(step: number, peak: number, total: number, warmup: number, schedule: ScheduleName): number {
  if (warmup > 0 && step <= warmup) return (peak * step) / warmup;
  if (schedule === 'constant') return peak;
  const span = Math.max(1, total - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / span));
  const floor = 0.1 * peak;
  if (schedule === 'linear') return peak - (peak - floor) * progress;
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}
