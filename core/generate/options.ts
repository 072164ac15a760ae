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
  /**
   * Mask-predict's choice noise (MaskGIT's choice temperature): before pass t of T, slots are
   * re-masked by log confidence + noise·(1 − t/T)·Gumbel; 0 or absent: by confidence alone.
   */
  choiceNoise: z.number().min(0).max(20).optional(),
});
export type SampleOptions = z.infer<typeof SampleOptions>;
export type SampleOptionsInput = z.input<typeof SampleOptions>;

export const RACE_LANES = ['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid'] as const;
export const RaceLane = z.enum(RACE_LANES);

/**
 * The hybrid's draft length when none is given, by what drafts. A NAR run drafts its k slots in
 * one pass. A small AR run drafts one token a pass, and on the CPU engine the AR model checks 2
 * tokens for the price of one step but more for more: in lane races k = 1 beat AR + KV cache most
 * often (29 of 30 with a drafter distilled from the AR run; k = 4 in 3 of 6; docs/DISTILLATION.md).
 * On a GPU longer drafts may pay: the frontier shows every k.
 */
export const DEFAULT_DRAFT = { nar: 4, ar: 1 } as const;

/** The default draft length when a small AR run drafts (`arDrafts`) or the NAR run does. */
export function defaultDraft(arDrafts: boolean): number {
  return arDrafts ? DEFAULT_DRAFT.ar : DEFAULT_DRAFT.nar;
}

/** A race: one prompt, length and seed for every lane. */
export const RaceOptions = SampleOptions.extend({
  length: z.number().int().min(1).max(4096).default(128),
  /** Tokens the drafter proposes per hybrid round (DEFAULT_DRAFT.ar where a client knows an AR run drafts). */
  draft: z.number().int().min(1).max(64).default(DEFAULT_DRAFT.nar),
  lanes: z.array(RaceLane).min(1).max(RACE_LANES.length).optional(),
  /** After the race, measure the quality–speed frontier (every strategy alone, after a warm-up). */
  frontier: z.boolean().default(true),
});
export type RaceOptions = z.infer<typeof RaceOptions>;

/** The strategies of the quality–speed frontier. */
export const FRONTIER_STRATEGIES = ['ar-naive', 'ar-cache', 'mask-predict', 'hybrid'] as const;
export type FrontierStrategy = (typeof FRONTIER_STRATEGIES)[number];
/** The mask-predict passes T and the hybrid draft lengths k the frontier measures. */
export const FRONTIER_ITERATIONS = [1, 2, 4, 10] as const;
export const FRONTIER_DRAFTS = [1, 2, 4, 8] as const;

/** One strategy's point on the frontier: its speed (ms per token) and quality (NLL per character under the AR model). */
export interface FrontierPoint {
  strategy: FrontierStrategy;
  iterations?: number;
  draft?: number;
  msPerToken: number;
  nll: number;
}

/** Every setting the frontier measures, in order. */
export function frontierSettings(): Omit<FrontierPoint, 'msPerToken' | 'nll'>[] {
  return [
    { strategy: 'ar-naive' },
    { strategy: 'ar-cache' },
    ...FRONTIER_ITERATIONS.map((iterations) => ({ strategy: 'mask-predict' as const, iterations })),
    ...FRONTIER_DRAFTS.map((draft) => ({ strategy: 'hybrid' as const, draft })),
  ];
}
