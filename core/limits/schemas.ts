import { z } from 'zod';

/**
 * What the Limits lab's experiments take and give: plain, serialisable shapes. Pure (zod only):
 * core/protocol carries them and the renderer reaches them through it.
 */
export const LIMITS_EXPERIMENTS = ['context', 'accumulation', 'modes'] as const;
export const LimitsExperiment = z.enum(LIMITS_EXPERIMENTS);
export type LimitsExperiment = z.infer<typeof LimitsExperiment>;

export const LimitsSettings = z.object({
  experiment: LimitsExperiment,
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** Tiny models, few steps and few examples: seconds instead of a minute (tests, smoke checks). */
  quick: z.boolean().default(false),
});
export type LimitsSettings = z.infer<typeof LimitsSettings>;
export type LimitsSettingsInput = z.input<typeof LimitsSettings>;

export const ContextPoint = z.object({ model: z.enum(['lstm', 'transformer']), length: z.number().int(), accuracy: z.number() });
export type ContextPoint = z.infer<typeof ContextPoint>;

export const AccumulationPoint = z.object({ mode: z.enum(['teacher', 'free']), position: z.number().int(), accuracy: z.number() });
export type AccumulationPoint = z.infer<typeof AccumulationPoint>;

export const MODES_STRATEGIES = ['ar', 'nar-1', 'mask-predict-4', 'mask-predict-10', 'nar-distilled'] as const;
export const ModesStrategy = z.enum(MODES_STRATEGIES);
export type ModesStrategy = z.infer<typeof ModesStrategy>;

export const ModesPoint = z.object({
  strategy: ModesStrategy,
  /** Share of outputs that are neither of the two right answers. */
  mixRate: z.number(),
  /** Outputs that are exactly the first / the second answer, and those that are neither. */
  first: z.number().int(),
  second: z.number().int(),
  neither: z.number().int(),
  /** A few outputs, for the eye. */
  examples: z.array(z.string()),
});
export type ModesPoint = z.infer<typeof ModesPoint>;

/** A finished experiment: its measurements and one sentence saying what they show. */
export const LimitsResult = z.discriminatedUnion('experiment', [
  z.object({
    experiment: z.literal('context'),
    /** The Transformer's context (its window) in tokens, and the longest string whose copy fits in it. */
    context: z.number().int(),
    fits: z.number().int(),
    points: z.array(ContextPoint),
    caption: z.string(),
  }),
  z.object({
    experiment: z.literal('accumulation'),
    /** Share of free-running samples whose first wrong number is at each position (positions with none left out). */
    firstErrors: z.array(z.object({ position: z.number().int(), share: z.number() })),
    points: z.array(AccumulationPoint),
    caption: z.string(),
  }),
  z.object({
    experiment: z.literal('modes'),
    /** The two right answers to every prompt (their repeating units). */
    answers: z.tuple([z.string(), z.string()]),
    strategies: z.array(ModesPoint),
    caption: z.string(),
  }),
]);
export type LimitsResult = z.infer<typeof LimitsResult>;

/** What an experiment streams: progress through its phases, then its result. */
export type LimitsEvent =
  | { kind: 'progress'; phase: string; step: number; total: number }
  | { kind: 'result'; result: LimitsResult };
