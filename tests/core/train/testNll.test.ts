import { beforeAll, describe, expect, it } from 'vitest';
import { binarizeStochastic, ImageDataset } from '../../../core/data/imageSet.ts';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { PixelCnnModel } from '../../../core/models/pixelcnn.ts';
import { PixelCnnConfig } from '../../../core/models/pixelcnnConfig.ts';
import { createRng } from '../../../core/rng.ts';
import { testNllStochastic, TEST_BINARIZATION_SEED } from '../../../core/train/testNll.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const SMALL = PixelCnnConfig.parse({ family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 8 });

describe('testNllStochastic', () => {
  it('is the PixelCNN NLL of the held-out digits binarized with a fixed seed, the same every call', async () => {
    const model = new PixelCnnModel(SMALL, 3);
    const options = { valFraction: 0.1, seed: 1, limit: 40 };
    const a = await testNllStochastic(model, options);
    const b = await testNllStochastic(model, options);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ images: 40, binarizationSeed: TEST_BINARIZATION_SEED });
    // The same digits, bits and model by hand.
    const mnist = loadMnistDigits();
    const split = ImageDataset.fromImages('mnist', mnist.images, { valFraction: 0.1, seed: 1, grey: mnist.grey });
    const bits = binarizeStochastic(split.validationGrey!.subarray(0, 40 * 784), createRng(TEST_BINARIZATION_SEED));
    expect(a.natsPerImage).toBeCloseTo((await model.meanLoss(bits, 40)) * 784, 3);
    expect(a.bitsPerDim).toBeCloseTo(a.natsPerImage / 784 / Math.LN2, 8);
    // Thresholded digits are other bits: another number.
    expect(a.natsPerImage).not.toBeCloseTo((await model.meanLoss(split.validation.subarray(0, 40 * 784), 40)) * 784, 3);
    const other = await testNllStochastic(model, { ...options, binarizationSeed: 5 });
    expect(other.natsPerImage).not.toBe(a.natsPerImage);
    model.dispose();
  });
});
