import { z } from 'zod';

/**
 * The PixelCNN's plain, serialisable configuration (pure: no tfjs). Re-exported from
 * config.ts next to the text model families.
 */
const odd = (n: number) => n % 2 === 1;

export const PixelCnnConfig = z.object({
  family: z.literal('pixelcnn'),
  /** Feature maps in every masked convolution. */
  channels: z.number().int().min(2).max(512),
  /** Residual blocks, each one type-B masked `kernel`×`kernel` convolution with ReLU. */
  residualBlocks: z.number().int().min(0).max(16),
  /** Side of the type-B masked kernels. */
  kernel: z.number().int().min(3).max(7).refine(odd, 'the kernel side must be odd').default(3),
  /** Side of the first, type-A masked kernel. */
  firstKernel: z.number().int().min(3).max(11).refine(odd, 'the first kernel side must be odd').default(7),
  /** Width of the 1×1 layer before the per-pixel logit. */
  hiddenOut: z.number().int().min(2).max(1024).default(64),
});
export type PixelCnnConfig = z.infer<typeof PixelCnnConfig>;
export type PixelCnnConfigInput = z.input<typeof PixelCnnConfig>;

/**
 * The benchmark shape: 7×7 mask-A conv 1→64, five 3×3 mask-B convs 64→64, 1×1 64→64, 1×1 64→1 —
 * the PyTorch reference's PixelCNN (../shared/bench/torch_bench.py), so `ars bench` compares like
 * with like. It was the default until 2026-12-06.
 */
export const BENCH_PIXELCNN_CONFIG: PixelCnnConfig = {
  family: 'pixelcnn',
  channels: 64,
  residualBlocks: 5,
  kernel: 3,
  firstKernel: 7,
  hiddenOut: 64,
};

/**
 * The default PixelCNN (`ars train --model pixelcnn`): 11×11 mask-A conv 1→32, sixteen 3×3
 * mask-B convs 32→32, 1×1 32→64, 1×1 64→1. Chosen by measurement (docs/IMAGE_RACE.md): at equal
 * wall time on this project's CPU engine, deeper and narrower with a wider first kernel learns
 * faster than the benchmark shape (a step costs about the same; the receptive field reaches 21
 * rows up instead of 8): 89.6 against 92.5 nats of testNllStochastic after 3,000 steps.
 */
export const DEFAULT_PIXELCNN_CONFIG: PixelCnnConfig = {
  family: 'pixelcnn',
  channels: 32,
  residualBlocks: 16,
  kernel: 3,
  firstKernel: 11,
  hiddenOut: 64,
};
