import { z } from 'zod';

/**
 * How PixelCNN samples are drawn. Pure (no tfjs).
 * - naive: one forward pass over the whole image for every unknown pixel (the baseline);
 * - band: a forward pass over only the rows and columns the pixel's logit can see;
 * - fast: cached activations: each position's activations are computed once, when every
 *   input pixel they can see is final (one small patch per layer and position).
 * All three draw the same pixels for the same seed.
 */
export const PIXEL_SAMPLING_METHODS = ['naive', 'band', 'fast'] as const;
export const PixelSamplingMethod = z.enum(PIXEL_SAMPLING_METHODS);
export type PixelSamplingMethod = z.infer<typeof PixelSamplingMethod>;

/**
 * Mask-predict over pixels ranks pixels for masking again by log confidence plus this much
 * Gumbel noise, fading to none by the last pass (MaskGIT's choice temperature). Chosen by
 * measurement (docs/IMAGE_RACE.md): with none, the surest pixels (background)
 * are always committed first and strokes stop half-drawn; at 2, completions hold as much ink as
 * the real digits and score within a few nats of the PixelCNN's own under the PixelCNN.
 */
export const DEFAULT_CHOICE_NOISE = 2;

export const PixelSampleOptions = z.object({
  /** K: images sampled (or completions drawn) side by side. */
  samples: z.number().int().min(1).max(64).default(4),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  method: PixelSamplingMethod.default('fast'),
  /** Divides the logits before the sigmoid: < 1 sharper, > 1 noisier. */
  temperature: z.number().gt(0).max(10).default(1),
  /** Masked image models only: mask-predict passes (default 8); a PixelCNN ignores it. */
  passes: z.number().int().min(1).max(784).optional(),
  /** Masked image models only: MaskGIT's choice noise (default DEFAULT_CHOICE_NOISE); a PixelCNN ignores it. */
  choiceNoise: z.number().min(0).max(20).optional(),
});
export type PixelSampleOptions = z.infer<typeof PixelSampleOptions>;
export type PixelSampleOptionsInput = z.input<typeof PixelSampleOptions>;

/** Pixels fixed by the user: `mask[i]` = 1 where `values[i]` (0/1) is known. One image's worth (side²). */
export const KnownPixels = z
  .object({ values: z.instanceof(Uint8Array), mask: z.instanceof(Uint8Array) })
  .refine((k) => k.values.length === k.mask.length, 'known values and mask must have the same length');
export type KnownPixels = z.infer<typeof KnownPixels>;
