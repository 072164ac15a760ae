import { z } from 'zod';

/** Decoding options shared by every text generator. Pure (no tfjs). */
export const SampleOptions = z.object({
  length: z.number().int().min(1).max(100_000).default(200),
  prompt: z.string().max(100_000).default(''),
  /** 0 means greedy (argmax). */
  temperature: z.number().min(0).max(100).default(1),
  /** 0 means off. */
  topK: z.number().int().min(0).max(100_000).default(0),
  /** 1 means off. */
  topP: z.number().gt(0).max(1).default(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** Mask-predict refinement passes T for non-autoregressive models (1 = one shot). */
  iterations: z.number().int().min(1).max(100).default(4),
});
export type SampleOptions = z.infer<typeof SampleOptions>;
export type SampleOptionsInput = z.input<typeof SampleOptions>;

export const RACE_LANES = ['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid'] as const;
export const RaceLane = z.enum(RACE_LANES);

/** A race: one prompt, length and seed for every lane. */
export const RaceOptions = SampleOptions.extend({
  length: z.number().int().min(1).max(4096).default(128),
  /** Tokens the NAR model drafts per hybrid round. */
  draft: z.number().int().min(1).max(64).default(4),
  lanes: z.array(RaceLane).min(1).max(RACE_LANES.length).optional(),
});
export type RaceOptions = z.infer<typeof RaceOptions>;
