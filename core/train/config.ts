import { z } from 'zod';
import { TextModelChoice } from '../models/config.ts';
import { TextSource } from '../data/source.ts';

export const LrSchedule = z.enum(['constant', 'cosine', 'linear']);

/** Everything a text training run needs; stored verbatim in run.json. */
export const TrainConfig = z.object({
  model: TextModelChoice,
  data: TextSource,
  steps: z.number().int().min(1).max(10_000_000),
  batch: z.number().int().min(1).max(1024).default(32),
  seq: z.number().int().min(2).max(2048).default(64),
  lr: z.number().positive().max(1).default(3e-3),
  schedule: LrSchedule.default('cosine'),
  warmupSteps: z.number().int().min(0).max(1_000_000).default(20),
  clipNorm: z.number().positive().max(1e6).default(1),
  evalEvery: z.number().int().min(1).max(1_000_000).default(50),
  evalBatches: z.number().int().min(1).max(1000).default(4),
  checkpointEvery: z.number().int().min(1).max(10_000_000).default(200),
  valFraction: z.number().min(0.01).max(0.5).default(0.1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;
