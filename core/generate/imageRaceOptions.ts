import { z } from 'zod';
import { DEFAULT_CHOICE_NOISE } from './pixelcnnOptions.ts';

/**
 * What the user chooses for an image race (core/generate/imageRace.ts). Pure (no tfjs): the
 * renderer reaches it through core/protocol.
 */
export const ImageRaceOptions = z.object({
  /** K: completions per lane. */
  samples: z.number().int().min(1).max(16).default(4),
  /** T: the mask-predict lane's passes. */
  iterations: z.number().int().min(1).max(64).default(8),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  temperature: z.number().gt(0).max(10).default(1),
  /** The mask-predict lane's choice noise (MaskGIT's choice temperature; 0: by confidence alone). */
  choiceNoise: z.number().min(0).max(20).default(DEFAULT_CHOICE_NOISE),
});
export type ImageRaceOptions = z.infer<typeof ImageRaceOptions>;
export type ImageRaceOptionsInput = z.input<typeof ImageRaceOptions>;

export const IMAGE_RACE_LANE_IDS = ['pixelcnn', 'nar-t1', 'nar-tk'] as const;
export const ImageRaceLaneId = z.enum(IMAGE_RACE_LANE_IDS);
export type ImageRaceLaneId = z.infer<typeof ImageRaceLaneId>;

/** A lane's name, the one wording the CLI and the Image lab show. Pure. */
export function imageLaneLabel(lane: ImageRaceLaneId, iterations: number): string {
  switch (lane) {
    case 'pixelcnn':
      return 'PixelCNN, raster order';
    case 'nar-t1':
      return 'Masked model, one pass (T=1)';
    case 'nar-tk':
      return `Masked model, mask-predict (T=${iterations})`;
  }
}
