/** Timing helpers for `ars bench`: warm-up, repeats, medians. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface RepeatPlan {
  /** Untimed runs first (compilation, caches, allocator warm-up). */
  warmup: number;
  /** At least this many timed runs… */
  minRepeats: number;
  /** …and at most this many… */
  maxRepeats: number;
  /** …stopping once this much time has been spent on timed runs (after minRepeats). */
  budgetMs: number;
  /** Called once after the warm-up, before the first timed run (e.g. to reset a profile). */
  onTimedStart?: () => void;
}

/** Runs `fn` per the plan; returns the duration (ms) of each timed run. */
export async function timeRepeats(plan: RepeatPlan, fn: () => void | Promise<void>): Promise<number[]> {
  for (let i = 0; i < plan.warmup; i++) await fn();
  plan.onTimedStart?.();
  const times: number[] = [];
  let spent = 0;
  while (times.length < plan.maxRepeats && (times.length < plan.minRepeats || spent < plan.budgetMs)) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
  }
  return times;
}

/** Samples the resident set size while work runs, for the peak. */
export class RssSampler {
  private peak = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;
  constructor(intervalMs = 20) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
  }
  /** Peak bytes: the larger of the samples and the OS's own high-water mark (getrusage). */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    const maxRssKb = process.resourceUsage().maxRSS;
    return Math.max(this.peak, maxRssKb * 1024);
  }
}
