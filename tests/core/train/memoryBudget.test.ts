/**
 * The memory estimate (core/train/memoryBudget.ts) against what TensorFlow.js really holds at
 * the peak of one training step (tf.profile's peakBytes: weights, Adam's moments, the tape's
 * activations and the gradients), for a few small models of every family. The estimate is meant
 * to refuse impossible jobs, not to be exact: it must stay within a factor of 2 of the measured
 * peak, either way, and its parameter count must be exact.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataset } from '../../../core/data/imageSet.ts';
import { TextDataset } from '../../../core/data/textDataset.ts';
import { buildTextModel } from '../../../core/models/build.ts';
import type { RunModelConfig, TextModelConfig } from '../../../core/models/config.ts';
import { PixelCnnModel } from '../../../core/models/pixelcnn.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { estimateJobMemory, formatBytes } from '../../../core/train/memoryBudget.ts';
import { optimizationStep } from '../../../core/train/step.ts';
import { imageTrainingTask, textTrainingTask, type TrainingTask } from '../../../core/train/task.ts';
import { createRng } from '../../../core/rng.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

/** The estimate must lie within this factor of the measured peak. */
const FACTOR = 2;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const dataset = TextDataset.fromText('cats', REPETITIVE_TEXT.repeat(4), { valFraction: 0.1 });
const vocabSize = dataset.vocab.size;

async function measuredPeak(weights: ReadonlyMap<string, tf.Variable>, task: TrainingTask, makeOptimizer: () => AdamOptimizer): Promise<number> {
  const before = tf.memory().numBytes;
  let optimizer: AdamOptimizer | null = null;
  const rng = createRng(1);
  const info = await tf.profile(async () => {
    optimizer = makeOptimizer();
    await optimizationStep(weights, () => task.trainLoss(rng), optimizer, 1e-3, 1);
  });
  optimizer!.dispose();
  // Weights existed before the profile started: add them to the peak it saw.
  return info.peakBytes + before;
}

function parameterCount(weights: ReadonlyMap<string, tf.Variable>): number {
  let n = 0;
  for (const w of weights.values()) n += w.size;
  return n;
}

const textCases: { name: string; model: TextModelConfig; batch: number; seq: number }[] = [
  { name: 'LSTM 1×64', model: { family: 'rnn', cell: 'lstm', vocabSize, embedding: 16, hidden: 64, layers: 1 }, batch: 16, seq: 32 },
  { name: 'GRU 2×48', model: { family: 'rnn', cell: 'gru', vocabSize, embedding: 24, hidden: 48, layers: 2 }, batch: 8, seq: 24 },
  { name: 'RNN 1×32', model: { family: 'rnn', cell: 'rnn', vocabSize, embedding: 8, hidden: 32, layers: 1 }, batch: 8, seq: 16 },
  {
    name: 'Transformer 2×32',
    model: { family: 'transformer', vocabSize, dModel: 32, heads: 4, layers: 2, ffn: 64, context: 32, dropout: 0, tiedOutput: true },
    batch: 8,
    seq: 32,
  },
  {
    name: 'Transformer 1×64 untied',
    model: { family: 'transformer', vocabSize, dModel: 64, heads: 2, layers: 1, ffn: 128, context: 64, dropout: 0, tiedOutput: false },
    batch: 4,
    seq: 64,
  },
  { name: 'mask-predict 2×32', model: { family: 'maskPredict', vocabSize, dModel: 32, heads: 4, layers: 2, ffn: 64, context: 32, dropout: 0, positions: 'learned', localContext: 0 }, batch: 8, seq: 32 },
];

describe('the memory estimate of a training step', () => {
  for (const c of textCases) {
    it(`${c.name}: parameters exact, peak within a factor of ${FACTOR}`, async () => {
      const model = buildTextModel(c.model, 1);
      try {
        const task = textTrainingTask(model, dataset, { batch: c.batch, seq: c.seq, evalBatches: 1, seed: 1 });
        const measured = await measuredPeak(model.weights, task, () => new AdamOptimizer(model.weights));
        const estimate = estimateJobMemory(c.model, { batch: c.batch, seq: c.seq, mode: 'train' });
        expect(estimate.parameters).toBe(parameterCount(model.weights));
        const ratio = estimate.totalBytes / measured;
        console.log(`${c.name}: state ${formatBytes(estimate.stateBytes)} act ${formatBytes(estimate.activationBytes)} estimate ${formatBytes(estimate.totalBytes)}, measured ${formatBytes(measured)}, ratio ${ratio.toFixed(2)}`);
        expect(ratio).toBeGreaterThan(1 / FACTOR);
        expect(ratio).toBeLessThan(FACTOR);
      } finally {
        model.dispose();
      }
    });
  }

  it(`PixelCNN: parameters exact, peak within a factor of ${FACTOR}`, async () => {
    const config: RunModelConfig = { family: 'pixelcnn', channels: 16, residualBlocks: 2, kernel: 3, firstKernel: 7, hiddenOut: 16 };
    const images = new Uint8Array(64 * 784).map((_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
    const set = ImageDataset.fromImages('dots', images, { valFraction: 0.25, seed: 1 });
    const model = new PixelCnnModel(config, 1);
    try {
      const task = imageTrainingTask(model, set, { batch: 8, evalBatches: 1, seed: 1 } as never);
      const measured = await measuredPeak(model.weights, task, () => new AdamOptimizer(model.weights));
      const estimate = estimateJobMemory(config, { batch: 8, seq: 1, mode: 'train' });
      expect(estimate.parameters).toBe(parameterCount(model.weights));
      const ratio = estimate.totalBytes / measured;
      console.log(`PixelCNN 16ch: estimate ${formatBytes(estimate.totalBytes)}, measured ${formatBytes(measured)}, ratio ${ratio.toFixed(2)}`);
      expect(ratio).toBeGreaterThan(1 / FACTOR);
      expect(ratio).toBeLessThan(FACTOR);
    } finally {
      model.dispose();
    }
  });

  it('grows with batch and sequence, and names the issue\'s model in the hundreds of GiB', () => {
    const big: RunModelConfig = { family: 'transformer', vocabSize: 65, dModel: 2048, heads: 32, layers: 24, ffn: 8192, context: 4096, dropout: 0, tiedOutput: true };
    const small = estimateJobMemory(big, { batch: 1, seq: 64, mode: 'train' });
    const huge = estimateJobMemory(big, { batch: 1024, seq: 2048, mode: 'train' });
    expect(huge.totalBytes).toBeGreaterThan(100 * 2 ** 30);
    expect(small.totalBytes).toBeLessThan(huge.totalBytes / 100);
    expect(estimateJobMemory(big, { batch: 1, seq: 64, mode: 'sample' }).totalBytes).toBeLessThan(small.totalBytes);
  });
});

describe('formatBytes', () => {
  it('writes sizes a person reads', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(4.35 * 2 ** 30)).toBe('4.35 GiB');
    expect(formatBytes(300 * 2 ** 20)).toBe('300 MiB');
  });
});
