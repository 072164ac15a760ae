import { z } from 'zod';
import { DistillRecord } from '../generate/distillOptions.ts';
import { RunModelConfig } from '../models/config.ts';

export const RUN_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** What a run's stored training configuration holds (a TrainConfig with the data source made storable). */
export const StoredTrainConfig = z.record(z.string(), z.unknown());

/** run.json: everything needed to show, resume and sample a run. Validated when read. */
export const RunMeta = z.object({
  formatVersion: z.literal(1),
  id: z.string().regex(RUN_ID),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  state: z.enum(['created', 'training', 'paused', 'completed', 'cancelled', 'interrupted', 'failed']),
  /** Last step whose metrics were recorded. */
  step: z.number().int().min(0),
  totalSteps: z.number().int().min(0),
  dataset: z.string(),
  config: StoredTrainConfig,
  model: RunModelConfig,
  vocab: z.array(z.string()),
  backend: z.string(),
  versions: z.record(z.string(), z.string()),
  checkpointStep: z.number().int().nullable(),
  lastTrainLoss: z.number().nullable(),
  lastValLoss: z.number().nullable(),
  /** The process training this run, while it trains (to detect an interrupted run). */
  pid: z.number().int().nullable(),
  /** When that process started (core/runs/processIdentity.ts), so a reused pid is not mistaken for it. */
  pidStart: z.string().max(32).nullable().optional(),
  error: z.string().nullable(),
  /** A distilled run: the AR run whose generated text (corpus.txt) it trains on, and how that text was written. */
  distillFrom: DistillRecord.optional(),
  /** A starter run: shipped with the app (assets/starter), installed into a new data folder; an ordinary run otherwise. */
  starter: z.boolean().optional(),
  /**
   * PixelCNN runs, once training completes: the test NLL under stochastic binarization
   * (core/train/testNll.ts), or why there is none (`unavailable`). Absent on older runs.
   */
  testNllStochastic: z
    .union([
      z.object({ natsPerImage: z.number(), bitsPerDim: z.number(), images: z.number().int(), binarizationSeed: z.number().int() }),
      z.object({ unavailable: z.string() }),
    ])
    .optional(),
});
export type RunMeta = z.infer<typeof RunMeta>;
