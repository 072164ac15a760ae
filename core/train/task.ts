import * as tf from '@tensorflow/tfjs';
import { sampleBatch, type TextDataset } from '../data/textDataset.ts';
import type { ImageBinarization, ImageDataset } from '../data/imageSet.ts';
import { imagesToTensor, type PixelCnnModel } from '../models/pixelcnn.ts';
import type { TextModel } from '../models/textModel.ts';
import { imageTrainingPreview, PREVIEW_IMAGES, trainingPreview, type TrainingPreview } from '../generate/trainingPreview.ts';
import { createRng, type Rng } from '../rng.ts';
import { unigramEntropyOfIds } from '../data/unigramEntropy.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import { maskedLoss50 } from './maskedLoss50.ts';

/** What a training loop needs of a model and its data, whatever they are. */
export interface TrainingTask {
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** What one example counts as in throughput figures. */
  readonly unit: 'tokens' | 'images';
  /** Units (tokens or images) in one training batch. */
  readonly unitsPerStep: number;
  /** Throws DatasetError when the data cannot fill a batch. */
  check(): void;
  /** The loss of one random training batch drawn with `rng` (called inside the gradient tape). */
  trainLoss(rng: Rng): tf.Scalar;
  /** Mean loss over a fixed set of validation batches (the same ones every call). */
  validationLoss(): Promise<number>;
  /** A short sample from the model as it is now, shown after each validation. */
  preview?(): Promise<TrainingPreview>;
  /** Mask-predict models: the validation loss with exactly half of each window hidden, no prompt (core/train/maskedLoss50.ts). */
  maskedLoss50?(): Promise<number>;
  /** Text tasks: the unigram entropy of the text in nats per character (a context-free model's loss). */
  readonly unigramEntropy?: number;
}

export interface BatchShape {
  batch: number;
  seq: number;
  evalBatches: number;
  seed: number;
}

/**
 * Next-token (or masked-LM) training of a text model on a text dataset; with `preview`, a short
 * sample after each validation (core/generate/trainingPreview.ts).
 */
export function textTrainingTask(model: TextModel, dataset: TextDataset, shape: BatchShape, options: { preview?: boolean } = {}): TrainingTask {
  const lossOf = (ids: Int32Array, rng: Rng, training: boolean) => {
    const b = sampleBatch(ids, shape.batch, shape.seq, rng);
    return tf.tidy(() =>
      model.loss(tf.tensor2d(b.inputs, [b.batch, b.seq], 'int32'), tf.tensor2d(b.targets, [b.batch, b.seq], 'int32'), training),
    );
  };
  return {
    weights: model.weights,
    unit: 'tokens',
    unitsPerStep: shape.batch * shape.seq,
    check: () => dataset.checkFits(shape.seq),
    trainLoss: (rng) => lossOf(dataset.train, rng, true),
    validationLoss: () => meanLoss(shape, (rng) => lossOf(dataset.validation, rng, false)),
    ...(options.preview ? { preview: async () => ({ text: await trainingPreview(model, dataset.vocab) }) } : {}),
    ...(model instanceof MaskPredictModel ? { maskedLoss50: () => maskedLoss50(model, dataset.validation, shape) } : {}),
    unigramEntropy: unigramEntropyOfIds(dataset.train, dataset.validation),
  };
}

/** Mean of `evalBatches` losses drawn with a fixed seed, so successive evaluations compare. */
export async function meanLoss(shape: Pick<BatchShape, 'evalBatches' | 'seed'>, lossOf: (rng: Rng) => tf.Scalar): Promise<number> {
  const rng = createRng(shape.seed + 0x5eed);
  let total = 0;
  for (let i = 0; i < shape.evalBatches; i++) {
    const loss = lossOf(rng);
    try {
      total += (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
  }
  return total / shape.evalBatches;
}

/**
 * Maximum-likelihood training of a PixelCNN on binary images (loss: mean nats per pixel); with
 * `preview`, a few sampled digits after each validation. Stochastic binarization draws the bits
 * of every batch afresh (validation too, from its fixed seed).
 */
export function imageTrainingTask(
  model: Pick<PixelCnnModel, 'weights' | 'loss' | 'inference' | 'config'>,
  dataset: ImageDataset,
  shape: Pick<BatchShape, 'batch' | 'evalBatches' | 'seed'> & { binarization?: ImageBinarization },
  options: { preview?: boolean } = {},
): TrainingTask {
  const lossOf = (split: 'train' | 'validation', rng: Rng) => {
    const batch = dataset.batch(split, shape.batch, rng, shape.binarization);
    return tf.tidy(() => model.loss(imagesToTensor(batch, shape.batch)));
  };
  return imageTask(model.weights, shape, lossOf, options.preview ? () => imageTrainingPreview(model) : undefined);
}

/**
 * A task on an image dataset whose batch loss (a split's batch drawn with `rng`) is `lossOf`;
 * with `previewImages`, the images sampled after each validation.
 */
export function imageTask(
  weights: ReadonlyMap<string, tf.Variable>,
  shape: Pick<BatchShape, 'batch' | 'evalBatches' | 'seed'>,
  lossOf: (split: 'train' | 'validation', rng: Rng) => tf.Scalar,
  previewImages?: () => Promise<Uint8Array>,
): TrainingTask {
  return {
    weights,
    unit: 'images',
    unitsPerStep: shape.batch,
    check: () => undefined, // ImageDataset.fromImages already refused sets too small to split
    trainLoss: (rng) => lossOf('train', rng),
    validationLoss: () => meanLoss(shape, (rng) => lossOf('validation', rng)),
    ...(previewImages ? { preview: async () => ({ images: await previewImages(), samples: PREVIEW_IMAGES }) } : {}),
  };
}
