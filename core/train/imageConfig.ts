import { z } from 'zod';
import { IMAGE_BINARIZATIONS } from '../data/binarization.ts';
import { ImageSource } from '../data/imageSource.ts';
import { MaskedImageConfig } from '../models/maskedImageConfig.ts';
import { PixelCnnConfig } from '../models/pixelcnnConfig.ts';
import { LrSchedule } from './config.ts';

/**
 * The image models' default peak learning rate (was 10⁻³ until 2026-12-06). Chosen by
 * measurement (docs/IMAGE_RACE.md): 3·10⁻³ trained the PixelCNN and the masked image model to
 * lower validation losses at their 5-minute lengths, and the PixelCNN on stochastic digits to a
 * lower test NLL at 900 steps (and 92.5 nats at 3,000 steps against 94.1 at 2,500 with 10⁻³).
 */
export const DEFAULT_IMAGE_LR = 3e-3;

/**
 * Everything an image model's training run needs (a PixelCNN, or a masked image model);
 * stored verbatim (data made storable) in run.json.
 */
export const ImageTrainConfig = z.object({
  model: z.discriminatedUnion('family', [PixelCnnConfig, MaskedImageConfig]),
  data: ImageSource,
  steps: z.number().int().min(1).max(10_000_000),
  batch: z.number().int().min(1).max(1024).default(32),
  lr: z.number().positive().max(1).default(DEFAULT_IMAGE_LR),
  schedule: LrSchedule.default('cosine'),
  warmupSteps: z.number().int().min(0).max(1_000_000).default(20),
  clipNorm: z.number().positive().max(1e6).default(1),
  evalEvery: z.number().int().min(1).max(1_000_000).default(50),
  /** Validation batches per evaluation (a subset: the full split would take long). */
  evalBatches: z.number().int().min(1).max(1000).default(4),
  checkpointEvery: z.number().int().min(1).max(10_000_000).default(100),
  valFraction: z.number().min(0.01).max(0.5).default(0.1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /**
   * How grey images become bits: thresholded once at one half, or drawn afresh each time an
   * image is used (core/data/imageSet.ts). Runs from before this option train as they did.
   */
  binarization: z.enum(IMAGE_BINARIZATIONS).default('threshold'),
});
export type ImageTrainConfig = z.infer<typeof ImageTrainConfig>;
export type ImageTrainConfigInput = z.input<typeof ImageTrainConfig>;

/** A PixelCNN's training run (ImageTrainConfig with that model). */
export const PixelCnnTrainConfig = ImageTrainConfig.extend({ model: PixelCnnConfig });
export type PixelCnnTrainConfig = z.infer<typeof PixelCnnTrainConfig>;

/**
 * Everything a masked image model's training run needs: the same settings as the PixelCNN's,
 * with that model. Masks are drawn at random for every image (core/data/imageMasks.ts).
 */
export const MaskedImageTrainConfig = ImageTrainConfig.extend({ model: MaskedImageConfig });
export type MaskedImageTrainConfig = z.infer<typeof MaskedImageTrainConfig>;
export type MaskedImageTrainConfigInput = z.input<typeof MaskedImageTrainConfig>;
