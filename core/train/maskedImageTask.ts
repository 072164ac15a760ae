import * as tf from '@tensorflow/tfjs';
import { randomKnownMasks } from '../data/imageMasks.ts';
import type { ImageBinarization, ImageDataset } from '../data/imageSet.ts';
import { imagesAndMasksToTensors, type MaskedImageModel } from '../models/maskedImage.ts';
import { maskedImageTrainingPreview } from '../generate/trainingPreview.ts';
import type { Rng } from '../rng.ts';
import { imageTask, type BatchShape, type TrainingTask } from './task.ts';

/**
 * Training of a masked image model: every image of a batch gets its own random known-mask
 * (core/data/imageMasks.ts: kept top rows, blocks, strokes, random pixels), and the loss is the
 * binary cross-entropy on the masked pixels only (mean nats per masked pixel). Validation draws
 * its images, bits and masks from a fixed seed, so successive evaluations compare. With
 * `preview`, a few mask-predict samples after each validation.
 */
export function maskedImageTrainingTask(
  model: Pick<MaskedImageModel, 'weights' | 'loss' | 'logits'>,
  dataset: ImageDataset,
  shape: Pick<BatchShape, 'batch' | 'evalBatches' | 'seed'> & { binarization?: ImageBinarization },
  options: { preview?: boolean } = {},
): TrainingTask {
  const lossOf = (split: 'train' | 'validation', rng: Rng) => {
    const images = dataset.batch(split, shape.batch, rng, shape.binarization);
    const known = randomKnownMasks(shape.batch, rng);
    return tf.tidy(() => {
      const t = imagesAndMasksToTensors(images, known, shape.batch);
      return model.loss(t.images, t.known);
    });
  };
  return imageTask(model.weights, shape, lossOf, options.preview ? () => maskedImageTrainingPreview(model) : undefined);
}
