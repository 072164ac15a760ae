import * as tf from '@tensorflow/tfjs';
import type { CharVocabulary } from '../data/vocabulary.ts';
import { softmaxCrossEntropy } from '../tensor/ops/crossEntropy.ts';
import { hidePositions, type MaskedBatch, type MaskPredictModel } from '../models/maskPredict.ts';
import type { TextModel } from '../models/textModel.ts';
import type { Rng } from '../rng.ts';
import { AdamOptimizer } from '../train/adam.ts';
import { meanLoss, type TrainingTask } from '../train/task.ts';
import { Trainer } from '../train/trainer.ts';
import type { TextModelConfig } from '../models/config.ts';
import type { LimitsEvent } from './schemas.ts';

/** Draws one training row (a whole text of the task, `width` characters) with `rng`. */
export type RowMaker = (rng: Rng) => string;

function encodeRows(vocab: CharVocabulary, rows: readonly string[], width: number): Int32Array {
  const ids = new Int32Array(rows.length * width);
  rows.forEach((row, b) => {
    const encoded = vocab.encode(row);
    if (encoded.length !== width) throw new Error(`a task row has ${encoded.length} characters, not ${width}`);
    ids.set(encoded, b * width);
  });
  return ids;
}

/**
 * Next-token training of an AR model on rows of a synthetic task: each row is `seq` + 1
 * characters, its own example(s) from the row's start (not a window cut anywhere in a stream).
 */
export function rowsTask(
  model: TextModel,
  vocab: CharVocabulary,
  makeRow: RowMaker,
  shape: { batch: number; seq: number; seed: number },
  /** Which characters of a row the loss counts (weight per character); all of them when absent. */
  weigh?: (row: string) => Float32Array,
): TrainingTask {
  const lossOf = (rng: Rng, training: boolean) => {
    const rows = Array.from({ length: shape.batch }, () => makeRow(rng));
    const ids = encodeRows(vocab, rows, shape.seq + 1);
    const inputs = new Int32Array(shape.batch * shape.seq);
    const targets = new Int32Array(shape.batch * shape.seq);
    const weights = weigh ? new Float32Array(shape.batch * shape.seq) : null;
    for (let b = 0; b < shape.batch; b++) {
      const row = ids.subarray(b * (shape.seq + 1), (b + 1) * (shape.seq + 1));
      inputs.set(row.subarray(0, shape.seq), b * shape.seq);
      targets.set(row.subarray(1), b * shape.seq);
      weights?.set(weigh!(rows[b]!).subarray(1), b * shape.seq);
    }
    return tf.tidy(() => {
      const x = tf.tensor2d(inputs, [shape.batch, shape.seq], 'int32');
      const y = tf.tensor2d(targets, [shape.batch, shape.seq], 'int32');
      return weights ? softmaxCrossEntropy(model.logits(x), y, tf.tensor2d(weights, [shape.batch, shape.seq])) : model.loss(x, y, training);
    });
  };
  return {
    weights: model.weights,
    unit: 'tokens',
    unitsPerStep: shape.batch * shape.seq,
    check: () => undefined,
    trainLoss: (rng) => lossOf(rng, true),
    validationLoss: () => meanLoss({ evalBatches: 1, seed: shape.seed }, (rng) => lossOf(rng, false)),
  };
}

/**
 * Hides a random share r ∈ (0, 1] of each row's positions from `promptLength` on (the prompt
 * stays visible), as mask-predict training does.
 */
export function maskAnswers(ids: Int32Array, batch: number, length: number, promptLength: number, maskId: number, rng: Rng): MaskedBatch {
  const masked = ids.slice();
  const weight = new Float32Array(batch * length);
  const targets = length - promptLength;
  for (let b = 0; b < batch; b++) hidePositions(masked, weight, b * length, promptLength, length, Math.max(1, Math.round(rng.next() * targets)), maskId, rng);
  return { masked, original: ids, weight, batch, length };
}

/** Masked-LM training of a NAR model on rows of `length` characters whose first `promptLength` are the prompt. */
export function maskedRowsTask(
  model: MaskPredictModel,
  vocab: CharVocabulary,
  makeRow: RowMaker,
  shape: { batch: number; length: number; promptLength: number; seed: number },
): TrainingTask {
  const lossOf = (rng: Rng, training: boolean) => {
    const rows = Array.from({ length: shape.batch }, () => makeRow(rng));
    const m = maskAnswers(encodeRows(vocab, rows, shape.length), shape.batch, shape.length, shape.promptLength, model.maskId, rng);
    return model.maskedLoss(m, training);
  };
  return {
    weights: model.weights,
    unit: 'tokens',
    unitsPerStep: shape.batch * shape.length,
    check: () => undefined,
    trainLoss: (rng) => lossOf(rng, true),
    validationLoss: () => meanLoss({ evalBatches: 1, seed: shape.seed }, (rng) => lossOf(rng, false)),
  };
}

export interface TrainSettings {
  steps: number;
  lr: number;
  seed: number;
}

/** How a model an experiment trains is kept as an ordinary run once trained. */
export interface KeepAsRun {
  /** Who it is in the experiment ("transformer", "lstm", "ar", "nar", "distilled"). */
  role: string;
  /** The run's name, e.g. "Limits · context · Transformer". */
  name: string;
  /** The run's dataset label, e.g. "copy task (seed 1)". */
  dataset: string;
  model: TextModel;
  config: TextModelConfig;
  vocab: CharVocabulary;
  /** Rows of the task, as the model trained on (the run's corpus.txt is made of them). */
  makeRow: RowMaker;
  batch: number;
  seq: number;
}

/** A point of training kept for the run's metrics. */
export interface TrainedPoint {
  step: number;
  trainLoss: number;
  valLoss?: number;
}

/**
 * An experiment's model, trained to its last step: the worker keeps it as a run (weights and
 * optimiser state as a checkpoint, the losses as metrics). The optimiser is live until the
 * experiment goes on, so it is saved before the next event is asked for.
 */
export interface TrainedModelEvent {
  kind: 'trained';
  keep: KeepAsRun;
  optimizer: AdamOptimizer;
  settings: TrainSettings;
  points: TrainedPoint[];
  elapsedSec: number;
}

/** What an experiment streams inside the worker: its LimitsEvents, and each model once trained. */
export type ExperimentEvent = LimitsEvent | TrainedModelEvent;

/**
 * Trains on `task` with the app's Trainer (Adam, warm-up, cosine schedule, clipping); streams
 * progress as `phase`, then, when training went to its last step, one `trained` event for the
 * model to be kept as a run (`keep`). Stops between steps when `signal` aborts.
 */
export async function* trainForLimits(
  task: TrainingTask,
  settings: TrainSettings,
  phase: string,
  signal: AbortSignal | undefined,
  keep: KeepAsRun,
): AsyncGenerator<ExperimentEvent> {
  const optimizer = new AdamOptimizer(task.weights);
  const trainer = new Trainer({
    task,
    optimizer,
    config: {
      steps: settings.steps,
      lr: settings.lr,
      schedule: 'cosine',
      warmupSteps: Math.min(20, Math.floor(settings.steps / 10)),
      clipNorm: 1,
      evalEvery: settings.steps,
      checkpointEvery: settings.steps + 1,
      seed: settings.seed,
    },
    startStep: 0,
    hooks: { saveCheckpoint: async () => undefined, recordMetrics: async () => undefined },
    progressIntervalMs: 250,
  });
  const stop = () => trainer.cancel();
  signal?.addEventListener('abort', stop);
  try {
    if (signal?.aborted) return;
    const points: TrainedPoint[] = [];
    const started = performance.now();
    let completed = false;
    for await (const e of trainer.run()) {
      if (e.kind === 'progress') {
        points.push({ step: e.step, trainLoss: e.trainLoss, ...(e.valLoss !== undefined ? { valLoss: e.valLoss } : {}) });
        yield { kind: 'progress', phase, step: e.step, total: e.totalSteps };
      } else if (e.kind === 'done') {
        completed = e.reason === 'completed' && e.step >= settings.steps;
        if (e.trainLoss !== null && points.at(-1)?.step !== e.step) points.push({ step: e.step, trainLoss: e.trainLoss, ...(e.valLoss !== null ? { valLoss: e.valLoss } : {}) });
      }
    }
    if (completed && !signal?.aborted) yield { kind: 'trained', keep, optimizer, settings, points, elapsedSec: (performance.now() - started) / 1000 };
  } finally {
    signal?.removeEventListener('abort', stop);
    optimizer.dispose();
  }
}
