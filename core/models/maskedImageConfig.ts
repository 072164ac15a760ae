import { z } from 'zod';

/**
 * The masked image model's plain, serialisable configuration (pure: no tfjs). Re-exported from
 * config.ts next to the other families.
 */
export const MaskedImageConfig = z.object({
  family: z.literal('masked-image'),
  /** Feature maps in every convolution. */
  channels: z.number().int().min(2).max(512),
  /**
   * One residual block a dilation: a 3×3 convolution whose taps are `d` pixels apart. The
   * receptive field is 3 + 2·Σd pixels across; the default (1, 2, 4, 7 twice) covers a 28×28
   * image from every pixel.
   */
  dilations: z.array(z.number().int().min(1).max(27)).min(1).max(32),
  /** Width of the 1×1 layer before the per-pixel logit. */
  hiddenOut: z.number().int().min(2).max(1024).default(64),
});
export type MaskedImageConfig = z.infer<typeof MaskedImageConfig>;
export type MaskedImageConfigInput = z.input<typeof MaskedImageConfig>;

/**
 * 32 feature maps, eight blocks (dilations 1, 2, 4, 7 twice): every logit sees the whole image.
 * Chosen by measurement for a 5-minute training (docs/IMAGE_RACE.md, 2026-12-06): 32 maps (two
 * 16-wide GEMM panels) train at 137–145 images/s against 48 maps' 78–82 on the wasm backend,
 * so they take about 1.7× the steps in the same time and reach a lower validation loss (0.156
 * at 1,300 steps against 0.162 at 700), and a mask-predict pass costs half as much (the image
 * race's T = 8 lane: 133–202 ms against 244–366). 40 maps are no faster than 48 (2.5 panels).
 */
export const DEFAULT_MASKED_IMAGE_CONFIG: MaskedImageConfig = {
  family: 'masked-image',
  channels: 32,
  dilations: [1, 2, 4, 7, 1, 2, 4, 7],
  hiddenOut: 64,
};

/** Pixels across that the logit at one pixel can see (3×3 input layer + the dilated blocks). */
export function maskedImageReceptiveField(config: Pick<MaskedImageConfig, 'dilations'>): number {
  return 3 + 2 * config.dilations.reduce((a, d) => a + d, 0);
}
