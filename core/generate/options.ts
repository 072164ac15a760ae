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
});
export type SampleOptions = z.infer<typeof SampleOptions>;
export type SampleOptionsInput = z.input<typeof SampleOptions>;
