import { z } from 'zod';

/**
 * Sequence-level knowledge distillation (Kim & Rush 2016; Gu et al. 2018): a model trains on
 * text an autoregressive run writes instead of the original text. Pure (no tfjs): the protocol
 * and run.json use these schemas.
 */

/**
 * The defaults, chosen by measurement on the sonnets (docs/DISTILLATION.md): the AR run's own
 * amount of text up to DISTILL_MAX_CHARACTERS, drawn at temperature 0.3 (a NAR distilled from
 * it agrees with the AR model's greedy choices more often — 2.03 characters per verification
 * pass as a drafter, against 1.80 at 0.8 — and its own text is no further from the AR model's).
 */
export const DISTILL_DEFAULTS = { temperature: 0.3 } as const;
/** The most text a distillation writes by default (the AR run's training text, capped here). */
export const DISTILL_MAX_CHARACTERS = 100_000;
/** The least text a distillation may write (a training set needs a validation split too). */
export const DISTILL_MIN_CHARACTERS = 1_000;

/** How to write the distillation text; anything left out takes the defaults above (seed: the new run's). */
export const DistillSettings = z.object({
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  /** Sampling temperature of the AR model (no top-k or top-p). */
  temperature: z.number().min(0.05).max(2).optional(),
  /** Characters to write. */
  characters: z.number().int().min(DISTILL_MIN_CHARACTERS).max(5_000_000).optional(),
});
export type DistillSettings = z.infer<typeof DistillSettings>;

/** What a distilled run records in run.json: the AR run and exactly how its text was written. */
export const DistillRecord = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  seed: z.number().int().min(0),
  temperature: z.number().positive(),
  characters: z.number().int().min(1),
});
export type DistillRecord = z.infer<typeof DistillRecord>;

/**
 * The settings made whole: `seed` is the new run's; the amount of text is the AR run's training
 * text (`arCharacters`), but no more than the new run reads in all its training
 * (`readCharacters`: steps × batch × sequence) nor DISTILL_MAX_CHARACTERS.
 */
export function resolveDistillSettings(
  runId: string,
  settings: DistillSettings,
  defaults: { seed: number; arCharacters: number; readCharacters?: number },
): DistillRecord {
  const amount = Math.min(defaults.arCharacters, defaults.readCharacters ?? Infinity, DISTILL_MAX_CHARACTERS);
  return {
    runId,
    seed: settings.seed ?? defaults.seed,
    temperature: settings.temperature ?? DISTILL_DEFAULTS.temperature,
    characters: settings.characters ?? Math.max(DISTILL_MIN_CHARACTERS, amount),
  };
}
