import { z } from 'zod';
import { TextModelChoice } from '../models/config.ts';
import { TextSource } from '../data/source.ts';

export const LrSchedule = z.enum(['constant', 'cosine', 'linear']);

/**
 * The peak learning rate a new text run gets when it names none, by model family. The mask-predict
 * Transformer's is lower: it learns context much sooner there (a 1 MB text, maskedLoss50 after
 * 1,500 steps: lr 6e-3 3.11, 3e-3 2.87, 1.5e-3 2.65, 1e-3 2.65, 5e-4 2.67; 1e-3 is at 2.89 after
 * 250 steps, where 3e-3 arrives after about 1,300; docs/DISTILLATION.md).
 */
export const DEFAULT_LEARNING_RATES = {
  rnn: 3e-3,
  transformer: 3e-3,
  maskPredict: 1e-3,
} as const satisfies Record<TextModelChoice['family'], number>;

/**
 * Everything a text training run needs; stored verbatim in run.json (with its learning rate: a
 * stored run keeps the one it trained with whatever the defaults become).
 */
export const TrainConfig = z
  .object({
    model: TextModelChoice,
    data: TextSource,
    steps: z.number().int().min(1).max(10_000_000),
    batch: z.number().int().min(1).max(1024).default(32),
    seq: z.number().int().min(2).max(2048).default(64),
    lr: z.number().positive().max(1).optional(),
    schedule: LrSchedule.default('cosine'),
    warmupSteps: z.number().int().min(0).max(1_000_000).default(20),
    clipNorm: z.number().positive().max(1e6).default(1),
    evalEvery: z.number().int().min(1).max(1_000_000).default(50),
    evalBatches: z.number().int().min(1).max(1000).default(4),
    checkpointEvery: z.number().int().min(1).max(10_000_000).default(200),
    valFraction: z.number().min(0.01).max(0.5).default(0.1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  })
  .transform((c) => ({ ...c, lr: c.lr ?? DEFAULT_LEARNING_RATES[c.model.family] }));
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;
