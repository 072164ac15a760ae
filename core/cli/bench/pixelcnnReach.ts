/**
 * How long the default PixelCNN training takes on this machine to reach the literature-comparable
 * test NLL (issue 17: at most 90 nats of `testNllStochastic`, stochastically binarized digits).
 * The steps it needs are a property of the recipe, measured once (docs/IMAGE_RACE.md); the time
 * is those steps at the step rate the bench measures here (`train.pixelcnn.default`). Pure.
 */
export interface PixelCnnReach {
  /** The test NLL aimed at (nats per image). */
  targetNats: number;
  /** What the default training measured after `steps` (docs/IMAGE_RACE.md). */
  measuredNats: number;
  steps: number;
  batch: number;
  /** When `measuredNats` was measured. */
  measured: string;
}

/**
 * `ars train --model pixelcnn --data mnist --binarize stochastic --steps 2900`, otherwise the
 * defaults (32 maps, 11×11 type-A layer, sixteen 3×3 type-B layers, batch 32, learning rate
 * 3·10⁻³ cosine): testNllStochastic 89.61 on the 1,000 held-out digits (831 s of training on the
 * 2-core development machine).
 */
export const DEFAULT_PIXELCNN_REACH: PixelCnnReach = { targetNats: 90, measuredNats: 89.61, steps: 2900, batch: 32, measured: '2026-12-06' };

export interface ReachEstimate extends PixelCnnReach {
  /** The bench's default-shape training throughput. */
  imagesPerSecond: number;
  /** The steps' optimisation time at that throughput (a training run also validates and checkpoints). */
  minutes: number;
}

/** The estimate for a measured default-shape throughput; null without one. */
export function reachEstimate(imagesPerSecond: number | null | undefined, reach: PixelCnnReach = DEFAULT_PIXELCNN_REACH): ReachEstimate | null {
  if (imagesPerSecond === null || imagesPerSecond === undefined || !Number.isFinite(imagesPerSecond) || imagesPerSecond <= 0) return null;
  return { ...reach, imagesPerSecond, minutes: (reach.steps * reach.batch) / imagesPerSecond / 60 };
}

/** One line for the bench's report. */
export function reachLine(e: ReachEstimate): string {
  return (
    `default PixelCNN, stochastic digits: test NLL ≤ ${e.targetNats} nats (${e.measuredNats} measured ${e.measured}) after ` +
    `${e.steps.toLocaleString('en-US')} steps of ${e.batch} images: ~${e.minutes.toFixed(1)} min of training steps here ` +
    `at ${e.imagesPerSecond.toFixed(1)} img/s (docs/IMAGE_RACE.md)`
  );
}
