import { binarizeStochastic, ImageDataset, IMAGE_PIXELS } from '../data/imageSet.ts';
import { loadMnistDigits } from '../data/mnistDigits.ts';
import type { PixelCnnModel } from '../models/pixelcnn.ts';
import { createRng } from '../rng.ts';

/** The seed of the stochastic binarization testNllStochastic uses unless told otherwise. */
export const TEST_BINARIZATION_SEED = 20160125;

export interface TestNllOptions {
  /** The run's split: the same valFraction and seed it trained with hold out the same digits. */
  valFraction: number;
  seed: number;
  /** Seed of the bits drawn from the grey values (default TEST_BINARIZATION_SEED). */
  binarizationSeed?: number;
  /** At most this many held-out digits (default all of them). */
  limit?: number;
}

export interface TestNll {
  /** −log p(image) in nats, averaged over the digits. */
  natsPerImage: number;
  bitsPerDim: number;
  /** Digits evaluated. */
  images: number;
  binarizationSeed: number;
}

/**
 * The PixelCNN's negative log-likelihood on the held-out split of the built-in digits,
 * stochastically binarized (each pixel ink with probability equal to its grey value) with a
 * fixed seed: the number the literature reports for binarized MNIST (nats per image), here on
 * the `mnist` package's digits. Same model, options and seed, same number.
 */
export async function testNllStochastic(model: Pick<PixelCnnModel, 'meanLoss'>, options: TestNllOptions): Promise<TestNll> {
  const mnist = loadMnistDigits();
  const split = ImageDataset.fromImages(mnist.name, mnist.images, { valFraction: options.valFraction, seed: options.seed, grey: mnist.grey });
  const count = Math.min(split.validationCount, options.limit ?? Infinity);
  const binarizationSeed = options.binarizationSeed ?? TEST_BINARIZATION_SEED;
  const bits = binarizeStochastic(split.validationGrey!.subarray(0, count * IMAGE_PIXELS), createRng(binarizationSeed));
  const meanPerPixel = await model.meanLoss(bits, count);
  return { natsPerImage: meanPerPixel * IMAGE_PIXELS, bitsPerDim: meanPerPixel / Math.LN2, images: count, binarizationSeed };
}
