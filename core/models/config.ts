import { z } from 'zod';

/**
 * Plain, serialisable model configurations. Pure (no tfjs): the renderer reaches these
 * through core/protocol to build its forms.
 */
export const RnnCell = z.enum(['rnn', 'gru', 'lstm']);
export type RnnCell = z.infer<typeof RnnCell>;

export const RnnConfig = z.object({
  family: z.literal('rnn'),
  cell: RnnCell,
  /** Filled in from the dataset's vocabulary when a run is created. */
  vocabSize: z.number().int().min(2).max(100_000),
  embedding: z.number().int().min(4).max(1024),
  hidden: z.number().int().min(4).max(2048),
  layers: z.number().int().min(1).max(3),
});
export type RnnConfig = z.infer<typeof RnnConfig>;

/** Every text model family. Later families (transformer, maskPredict) join this union. */
export const TextModelConfig = z.discriminatedUnion('family', [RnnConfig]);
export type TextModelConfig = z.infer<typeof TextModelConfig>;

/** What the user chooses; vocabSize comes from the data. */
export const TextModelChoice = z.discriminatedUnion('family', [RnnConfig.omit({ vocabSize: true })]);
export type TextModelChoice = z.infer<typeof TextModelChoice>;
