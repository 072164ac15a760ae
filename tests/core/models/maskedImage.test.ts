import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataset } from '../../../core/data/imageSet.ts';
import { randomKnownMasks } from '../../../core/data/imageMasks.ts';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { dilatedConv, imagesAndMasksToTensors, MaskedImageModel, pixelMarginalNll } from '../../../core/models/maskedImage.ts';
import { DEFAULT_MASKED_IMAGE_CONFIG, MaskedImageConfig, maskedImageReceptiveField } from '../../../core/models/maskedImageConfig.ts';
import { createRng } from '../../../core/rng.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { maskedImageTrainingTask } from '../../../core/train/maskedImageTask.ts';
import { optimizationStep } from '../../../core/train/step.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const SMALL = MaskedImageConfig.parse({ family: 'masked-image', channels: 16, dilations: [1, 2, 4, 7], hiddenOut: 16 });

describe('dilatedConv', () => {
  for (const d of [1, 2, 3, 4, 7, 9]) {
    it(`equals tf.conv2d with dilation ${d} ('same' zero padding), values and input gradient`, () => {
      const x = tf.randomNormal([2, 28, 28, 3], 0, 1, 'float32', d) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 10 + d) as tf.Tensor4D;
      const b = tf.randomNormal([4], 0, 0.1, 'float32', 20 + d) as tf.Tensor1D;
      const ours = dilatedConv(x, w, b, d, false);
      const reference = tf.add(tf.conv2d(x, w, 1, 'same', 'NHWC', d), b);
      expect(ours.shape).toEqual([2, 28, 28, 4]);
      expect(tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]).toBeLessThan(1e-4);
      const grad = tf.grad((xi: tf.Tensor) => tf.sum(tf.square(dilatedConv(xi as tf.Tensor4D, w, b, d, true))))(x);
      expect(grad.shape).toEqual(x.shape);
      expect(Number.isFinite(tf.sum(grad).dataSync()[0]!)).toBe(true);
      tf.dispose([x, w, b, ours, reference, grad]);
    });
  }
});

describe('MaskedImageModel', () => {
  it('config: the default sees the whole image from every pixel; families and shapes are checked', () => {
    expect(MaskedImageConfig.parse({ family: 'masked-image', channels: 32, dilations: [1, 2, 4, 7, 1, 2, 4, 7] })).toEqual(DEFAULT_MASKED_IMAGE_CONFIG);
    expect(maskedImageReceptiveField(DEFAULT_MASKED_IMAGE_CONFIG)).toBeGreaterThanOrEqual(2 * 28 - 1);
    expect(() => MaskedImageConfig.parse({ family: 'pixelcnn', channels: 64, dilations: [1] })).toThrow();
    expect(() => MaskedImageConfig.parse({ family: 'masked-image', channels: 64, dilations: [] })).toThrow();
  });

  it('forward without a checkpoint: stable weight names, one logit per pixel, unknown values never read', () => {
    const model = new MaskedImageModel(SMALL, 1);
    expect([...model.weights.keys()]).toEqual(['in/w', 'in/b', ...[1, 2, 3, 4].flatMap((l) => [`block${l}/w`, `block${l}/b`]), 'hidden/w', 'hidden/b', 'out/w', 'out/b']);
    expect(model.weights.get('in/w')!.shape).toEqual([3, 3, 2, 16]);
    const digits = loadMnistDigits().images.subarray(0, 3 * 784);
    const known = randomKnownMasks(3, createRng(4));
    const t = imagesAndMasksToTensors(digits, known, 3);
    const logits = model.logits(t.images, t.known);
    expect(logits.shape).toEqual([3, 28, 28, 1]);
    // Flipping every unknown pixel's value changes nothing: the model cannot peek.
    const flipped = imagesAndMasksToTensors(digits.map((v, i) => (known[i] ? v : 1 - v)), known, 3);
    const again = model.logits(flipped.images, t.known);
    expect(Array.from(again.dataSync())).toEqual(Array.from(logits.dataSync()));
    // …but flipping a known pixel does change the logits nearby.
    const one = Uint8Array.from(known);
    const i = one.indexOf(1);
    const changed = imagesAndMasksToTensors(digits.map((v, j) => (j === i ? 1 - v : v)), known, 3);
    const moved = model.logits(changed.images, changed.known);
    expect(Array.from(moved.dataSync())).not.toEqual(Array.from(logits.dataSync()));
    tf.dispose([t.images, t.known, logits, flipped.images, flipped.known, again, changed.images, changed.known, moved]);
    model.dispose();
  });

  it('the loss is the mean cross-entropy over masked pixels only, and maskedNll agrees with it', async () => {
    const model = new MaskedImageModel(SMALL, 2);
    const digits = loadMnistDigits().images.subarray(100 * 784, 104 * 784);
    const known = randomKnownMasks(4, createRng(9));
    const t = imagesAndMasksToTensors(digits, known, 4);
    const loss = (await model.loss(t.images, t.known).data())[0]!;
    const nll = await model.maskedNll(digits, known, 4, 3);
    expect(nll.maskedPixels).toBe(known.reduce((n, k) => n + (k ? 0 : 1), 0));
    expect(nll.natsPerMaskedPixel).toBeCloseTo(loss, 5);
    expect(nll.natsPerImage).toBeCloseTo((loss * nll.maskedPixels) / 4, 3);
    tf.dispose([t.images, t.known]);
    model.dispose();
  });

  it('a short training brings the loss on held-out digits below the pixel-marginal baseline', async () => {
    const mnist = loadMnistDigits();
    const data = ImageDataset.fromImages('mnist', mnist.images, { valFraction: 0.05, seed: 1 });
    const model = new MaskedImageModel(SMALL, 3);
    const task = maskedImageTrainingTask(model, data, { batch: 16, evalBatches: 2, seed: 1 });
    const optimizer = new AdamOptimizer(model.weights);
    const rng = createRng(5);
    for (let step = 0; step < 60; step++) await optimizationStep(model.weights, () => task.trainLoss(rng), optimizer, 3e-3, 1);
    const count = 100;
    const images = data.validation.subarray(0, count * 784);
    const known = randomKnownMasks(count, createRng(77));
    const ours = await model.maskedNll(images, known, count);
    const baseline = pixelMarginalNll(data.train, images, known, count);
    expect(ours.natsPerMaskedPixel).toBeLessThan(baseline.natsPerMaskedPixel);
    expect(await task.validationLoss()).toBe(await task.validationLoss());
    optimizer.dispose();
    model.dispose();
  });
});
