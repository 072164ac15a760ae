import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataset, sampleImageBatch } from '../../../core/data/imageSet.ts';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { BENCH_PIXELCNN_CONFIG, DEFAULT_PIXELCNN_CONFIG, PixelCnnConfig } from '../../../core/models/pixelcnnConfig.ts';
import { PixelCnnModel, bitsPerDim, convMask, imagesToTensor, natsPerImage, pixelCnnReach } from '../../../core/models/pixelcnn.ts';
import { createRng } from '../../../core/rng.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { clipByGlobalNorm } from '../../../core/train/clipping.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const SMALL = PixelCnnConfig.parse({ family: 'pixelcnn', channels: 16, residualBlocks: 2, hiddenOut: 16 });

/** d logit[p] / d input, for one random grey image: a [784] array. */
function logitGradient(model: PixelCnnModel, input: tf.Tensor4D, p: number): Float32Array {
  const pick = tf.tidy(() => tf.oneHot(tf.tensor1d([p], 'int32'), 784).toFloat().reshape([1, 28, 28, 1]));
  const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(model.logits(x as tf.Tensor4D, { imageGrad: true }), pick)))(input));
  const out = grad.dataSync() as Float32Array;
  tf.dispose([grad, pick]);
  return Float32Array.from(out);
}

describe('masks', () => {
  it('type A hides the centre and everything after it; type B shows the centre', () => {
    expect(Array.from(convMask(3, 'A'))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(convMask(3, 'B'))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(convMask(7, 'A').reduce((a, b) => a + b, 0)).toBe(24);
  });

  it('config defaults give the benchmark shape (runs stored before firstKernel existed keep 7×7)', () => {
    expect(PixelCnnConfig.parse({ family: 'pixelcnn', channels: 64, residualBlocks: 5 })).toEqual(BENCH_PIXELCNN_CONFIG);
    expect(() => PixelCnnConfig.parse({ family: 'pixelcnn', channels: 64, residualBlocks: 5, kernel: 4 })).toThrow();
    expect(() => PixelCnnConfig.parse({ ...DEFAULT_PIXELCNN_CONFIG, firstKernel: 13 })).toThrow();
    expect(PixelCnnConfig.parse(DEFAULT_PIXELCNN_CONFIG)).toEqual(DEFAULT_PIXELCNN_CONFIG);
    expect(pixelCnnReach(BENCH_PIXELCNN_CONFIG)).toBe(8);
    expect(pixelCnnReach(DEFAULT_PIXELCNN_CONFIG)).toBe(21);
  });
});

describe('PixelCnnModel', () => {
  it('has stable weight names and one logit per pixel', () => {
    const model = new PixelCnnModel(BENCH_PIXELCNN_CONFIG, 1);
    expect([...model.weights.keys()]).toEqual([
      'in/w', 'in/b',
      ...[1, 2, 3, 4, 5].flatMap((l) => [`block${l}/w`, `block${l}/b`]),
      'hidden/w', 'hidden/b', 'out/w', 'out/b',
    ]);
    expect(model.weights.get('in/w')!.shape).toEqual([7, 7, 1, 64]);
    expect(model.weights.get('block3/w')!.shape).toEqual([3, 3, 64, 64]);
    expect(model.weights.get('out/w')!.shape).toEqual([1, 1, 64, 1]);
    const x = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const logits = model.logits(x);
    expect(logits.shape).toEqual([2, 28, 28, 1]);
    tf.dispose([x, logits]);
    model.dispose();
  });

  for (const [label, config] of [['the benchmark shape', BENCH_PIXELCNN_CONFIG], ['the default shape', DEFAULT_PIXELCNN_CONFIG], ['a small model', SMALL]] as const) {
    it(`receptive field (${label}): the logit at p has zero gradient w.r.t. every pixel at or after p, and none beyond its reach`, () => {
      const model = new PixelCnnModel(config, 2);
      const reach = pixelCnnReach(config);
      const input = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
      for (const p of [0, 5, 28 + 1, 3 * 28 + 27, 14 * 28 + 14, 20 * 28 + 3, 27 * 28 + 27]) {
        const g = logitGradient(model, input, p);
        const [r, c] = [Math.floor(p / 28), p % 28];
        let earlier = 0;
        for (let i = 0; i < 784; i++) {
          const [y, x] = [Math.floor(i / 28), i % 28];
          if (i >= p) expect(g[i], `logit ${p} depends on pixel ${i}`).toBe(0);
          else if (g[i] !== 0) {
            earlier++;
            expect(r - y, `pixel ${i} is above the reach of ${p}`).toBeLessThanOrEqual(reach);
            expect(Math.abs(c - x), `pixel ${i} is beside the reach of ${p}`).toBeLessThanOrEqual(reach);
          }
        }
        if (p === 0) expect(earlier).toBe(0);
        else expect(earlier, `logit ${p} depends on no earlier pixel`).toBeGreaterThan(0);
      }
      input.dispose();
      model.dispose();
    });
  }

  it('loss is the mean sigmoid cross-entropy; NLL per image and bits per dimension follow', async () => {
    const model = new PixelCnnModel(SMALL, 3);
    const images = loadMnistDigits().images.subarray(0, 4 * 784);
    const x = imagesToTensor(images, 4);
    const loss = model.loss(x);
    const z = model.logits(x);
    const zs = z.dataSync();
    let manual = 0;
    for (let i = 0; i < zs.length; i++) {
      const p = 1 / (1 + Math.exp(-zs[i]!));
      manual -= images[i] ? Math.log(p) : Math.log(1 - p);
    }
    expect(loss.dataSync()[0]).toBeCloseTo(manual / zs.length, 5);
    expect(await model.meanLoss(images, 4, 3)).toBeCloseTo(manual / zs.length, 5);
    expect(natsPerImage(0.1)).toBeCloseTo(78.4);
    expect(bitsPerDim(Math.LN2)).toBeCloseTo(1);
    tf.dispose([x, loss, z]);
    model.dispose();
  });

  it('inference (masks multiplied in once) gives the same logits as the model', () => {
    const model = new PixelCnnModel(SMALL, 4);
    const net = model.inference();
    const x = imagesToTensor(loadMnistDigits().images.subarray(0, 2 * 784), 2);
    const [a, b] = [model.logits(x), net.logits(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    net.dispose();
    model.dispose();
  });

  it('training with Adam and clipping lowers the validation NLL, without leaking tensors', async () => {
    const mnist = loadMnistDigits();
    const subset = ImageDataset.fromImages('mnist', mnist.images, { valFraction: 0.03, seed: 1 }); // 300 validation digits
    const train = subset.train.subarray(0, 400 * 784);
    const validation = subset.validation.subarray(0, 100 * 784);
    const model = new PixelCnnModel(SMALL, 5);
    const optimizer = new AdamOptimizer(model.weights);
    const names = [...model.weights.keys()];
    const variables = names.map((n) => model.weights.get(n)!);
    const before = natsPerImage(await model.meanLoss(validation, 100));
    const rng = createRng(7);
    let tensors = -1;
    for (let step = 0; step < 40; step++) {
      const x = imagesToTensor(sampleImageBatch(train, 16, rng), 16);
      const { value, grads } = tf.variableGrads(() => model.loss(x), variables);
      const byName: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (byName[n] = grads[variables[i]!.name]!));
      const clipped = clipByGlobalNorm(byName, 1);
      optimizer.apply(clipped.grads, 3e-3);
      tf.dispose([x, value, clipped.norm, ...Object.values(grads), ...Object.values(clipped.grads)]);
      if (step === 1) tensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    const after = natsPerImage(await model.meanLoss(validation, 100));
    // An untrained model is near 784·ln 2 ≈ 543 nats; 40 small steps get well under 300.
    expect(before).toBeGreaterThan(400);
    expect(after).toBeLessThan(0.6 * before);
    expect(bitsPerDim(after / 784)).toBeLessThan(0.6);
    optimizer.dispose();
    model.dispose();
  });
});
