/**
 * The measurements behind `ars bench`: each job builds the project's own model, runs what a user
 * runs (the trainers' optimisation step, the decoders and generators) on random data of the
 * issue's shapes, and returns medians. Runs in a child process per job (see child.ts), so each
 * job's peak memory is its own.
 */
import * as tf from '@tensorflow/tfjs';
import { randomKnownMasks } from '../../data/imageMasks.ts';
import { CharVocabulary } from '../../data/vocabulary.ts';
import { generateMaskPredict } from '../../generate/maskPredictDecoding.ts';
import { sampleToken } from '../../generate/samplers.ts';
import { MaskPredictConfig, RnnConfig, TransformerConfig } from '../../models/config.ts';
import { MaskPredictModel, type MaskedBatch } from '../../models/maskPredict.ts';
import { MaskedImageModel } from '../../models/maskedImage.ts';
import { DEFAULT_MASKED_IMAGE_CONFIG } from '../../models/maskedImageConfig.ts';
import { PixelCnnModel } from '../../models/pixelcnn.ts';
import { BENCH_PIXELCNN_CONFIG, DEFAULT_PIXELCNN_CONFIG, type PixelCnnConfig } from '../../models/pixelcnnConfig.ts';
import { RnnModel } from '../../models/rnn.ts';
import type { Decoder } from '../../models/textModel.ts';
import { TransformerModel } from '../../models/transformer.ts';
import { createRng, type Rng } from '../../rng.ts';
import { AdamOptimizer } from '../../train/adam.ts';
import { optimizationStep } from '../../train/step.ts';
import { readableOnHost } from '../../tensor/hostCopy.ts';
import { resetKernelProfile } from '../../tensor/kernelProfile.ts';
import type { JobName } from './figures.ts';
import { median, timeRepeats, type RepeatPlan } from './measure.ts';

/** One measured figure. */
export interface Measured {
  value: number;
  /** Timed runs behind the median. */
  repeats: number;
  /** Spread of the timed runs, e.g. 'min 101 · max 130 ms/step'. */
  detail?: string;
  /** Why there is no value. */
  unavailable?: string;
  /** Sum of the timed runs (ms): with `--profile`, the time the kernel profile covers. */
  totalMs?: number;
}

export type JobResult = Record<string, Measured>;

// Shapes from issue 3.
const VOCAB = 96;
const BATCH = 32;
const SEQ = 64;
const IMAGE_BATCH = 32;
const SIDE = 28;
const LR = 1e-3;
const CLIP = 1;
const SAMPLE_TOKENS = 256;

const TRAIN_PLAN: RepeatPlan = { warmup: 2, minRepeats: 5, maxRepeats: 30, budgetMs: 6000 };

function randomInts(n: number, max: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * max);
  return out;
}

function spread(times: number[], unit: string, scale = 1, digits = 1): string {
  const lo = Math.min(...times) * scale;
  const hi = Math.max(...times) * scale;
  return `min ${lo.toFixed(digits)} · max ${hi.toFixed(digits)} ${unit}, ${times.length} runs`;
}

/** Training throughput: `items` per step over the median step time. */
async function trainThroughput(
  weights: ReadonlyMap<string, tf.Variable>,
  lossFor: (step: number) => tf.Scalar,
  items: number,
): Promise<Measured> {
  const optimizer = new AdamOptimizer(weights);
  let step = 0;
  try {
    // The profile (ars bench --profile) covers the timed steps only, not the warm-up.
    const times = await timeRepeats({ ...TRAIN_PLAN, onTimedStart: resetKernelProfile }, async () => {
      const s = step++;
      const loss = await optimizationStep(weights, () => lossFor(s), optimizer, LR, CLIP);
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss}`);
    });
    const ms = median(times);
    return { value: (items * 1000) / ms, repeats: times.length, detail: spread(times, 'ms/step'), totalMs: times.reduce((a, b) => a + b, 0) };
  } finally {
    optimizer.dispose();
  }
}

/** Fresh random token batches, a few to cycle through (the data loader's work is not measured). */
function tokenBatches(count: number, seed: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D }[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => ({
    inputs: tf.tensor2d(randomInts(BATCH * SEQ, VOCAB, rng), [BATCH, SEQ], 'int32'),
    targets: tf.tensor2d(randomInts(BATCH * SEQ, VOCAB, rng), [BATCH, SEQ], 'int32'),
  }));
}

async function trainRnn(cell: 'lstm' | 'rnn'): Promise<JobResult> {
  const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell, vocabSize: VOCAB, embedding: 128, hidden: 256, layers: 1 }), 1);
  const batches = tokenBatches(4, 11);
  try {
    const m = await trainThroughput(model.weights, (s) => {
      const b = batches[s % batches.length]!;
      return model.loss(b.inputs, b.targets, true);
    }, BATCH * SEQ);
    return { [`train.${cell}`]: m };
  } finally {
    batches.forEach((b) => tf.dispose([b.inputs, b.targets]));
    model.dispose();
  }
}

const TRANSFORMER_SHAPE = { vocabSize: VOCAB, dModel: 128, heads: 4, layers: 2, ffn: 512, context: SEQ, dropout: 0 };

async function trainTransformer(): Promise<JobResult> {
  const model = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...TRANSFORMER_SHAPE }), 1);
  const batches = tokenBatches(4, 12);
  try {
    const m = await trainThroughput(model.weights, (s) => {
      const b = batches[s % batches.length]!;
      return model.loss(b.inputs, b.targets, true);
    }, BATCH * SEQ);
    return { 'train.transformer': m };
  } finally {
    batches.forEach((b) => tf.dispose([b.inputs, b.targets]));
    model.dispose();
  }
}

/**
 * Masked-LM batches at the full window length (64): the trainer's maskBatch draws a random
 * length per batch, which would make step times (and the figure) depend on the draw.
 */
function fullLengthMaskedBatch(maskId: number, rng: Rng): MaskedBatch {
  const n = BATCH * SEQ;
  const original = randomInts(n, VOCAB, rng);
  const masked = original.slice();
  const weight = new Float32Array(n);
  for (let b = 0; b < BATCH; b++) {
    const r = 0.15 + 0.85 * rng.next();
    for (let t = 0; t < SEQ; t++) {
      if (rng.next() < r) {
        masked[b * SEQ + t] = maskId;
        weight[b * SEQ + t] = 1;
      }
    }
  }
  return { masked, original, weight, batch: BATCH, length: SEQ };
}

async function trainNar(): Promise<JobResult> {
  const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...TRANSFORMER_SHAPE }), 1);
  const rng = createRng(13);
  const batches = Array.from({ length: 4 }, () => fullLengthMaskedBatch(model.maskId, rng));
  try {
    const m = await trainThroughput(model.weights, (s) => model.maskedLoss(batches[s % batches.length]!, true), BATCH * SEQ);
    return { 'train.nar': m };
  } finally {
    model.dispose();
  }
}

/** A batch of random binary images (a fifth of the pixels ink). */
function randomImages(rng: Rng): tf.Tensor4D {
  const px = new Float32Array(IMAGE_BATCH * SIDE * SIDE);
  for (let i = 0; i < px.length; i++) px[i] = rng.next() < 0.2 ? 1 : 0;
  return tf.tensor4d(px, [IMAGE_BATCH, SIDE, SIDE, 1]);
}

/** PixelCNN training throughput of one shape: the benchmark shape (PyTorch's) or the default. */
async function trainPixelCnn(config: PixelCnnConfig, figure: string): Promise<JobResult> {
  const model = new PixelCnnModel(config, 1);
  const rng = createRng(14);
  const batches = Array.from({ length: 2 }, () => randomImages(rng));
  try {
    const m = await trainThroughput(model.weights, (s) => model.loss(batches[s % batches.length]!), IMAGE_BATCH);
    return { [figure]: m };
  } finally {
    tf.dispose(batches);
    model.dispose();
  }
}

async function trainMaskedImage(): Promise<JobResult> {
  const model = new MaskedImageModel(DEFAULT_MASKED_IMAGE_CONFIG, 1);
  const rng = createRng(15);
  const batches = Array.from({ length: 2 }, () => {
    const images = randomImages(rng);
    const known = tf.tensor4d(Float32Array.from(randomKnownMasks(IMAGE_BATCH, rng, SIDE)), [IMAGE_BATCH, SIDE, SIDE, 1]);
    return { images, known };
  });
  try {
    const m = await trainThroughput(model.weights, (s) => {
      const b = batches[s % batches.length]!;
      return model.loss(b.images, b.known);
    }, IMAGE_BATCH);
    return { 'train.maskedimage': m };
  } finally {
    batches.forEach((b) => tf.dispose([b.images, b.known]));
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling

const SAMPLING = { temperature: 1, topK: 0, topP: 1 };

/** ms per token for SAMPLE_TOKENS tokens, fed and sampled one at a time (batch 1). */
async function decodeLatency(makeDecoder: () => Decoder, plan: RepeatPlan): Promise<Measured> {
  let seed = 1;
  const run = (tokens: number) => {
    const rng = createRng(seed++);
    const decoder = makeDecoder();
    try {
      let logits = decoder.feed(0);
      for (let i = 0; i < tokens; i++) {
        const { id } = sampleToken(logits, SAMPLING, rng);
        if (i + 1 < tokens) logits = decoder.feed(id);
      }
    } finally {
      decoder.dispose();
    }
  };
  run(16); // compile paths before the timed runs
  const times = await timeRepeats(plan, () => run(SAMPLE_TOKENS));
  return { value: median(times) / SAMPLE_TOKENS, repeats: times.length, detail: spread(times, 'ms/token', 1 / SAMPLE_TOKENS, 3) };
}

async function sampleLstm(): Promise<JobResult> {
  const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell: 'lstm', vocabSize: VOCAB, embedding: 128, hidden: 256, layers: 1 }), 1);
  try {
    await readableOnHost(model.weights.values()); // the CPU decoder reads them (on a GPU backend too)
    const m = await decodeLatency(() => model.createDecoder(), { warmup: 1, minRepeats: 5, maxRepeats: 15, budgetMs: 3000 });
    return { 'sample.lstm': m };
  } finally {
    model.dispose();
  }
}

async function sampleTransformer(): Promise<JobResult> {
  const model = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...TRANSFORMER_SHAPE }), 1);
  try {
    await readableOnHost(model.weights.values());
    const naive = await decodeLatency(() => model.createDecoder({ cache: false }), { warmup: 0, minRepeats: 3, maxRepeats: 5, budgetMs: 4000 });
    const kv = await decodeLatency(() => model.createDecoder(), { warmup: 1, minRepeats: 5, maxRepeats: 15, budgetMs: 3000 });
    return { 'sample.transformer.naive': naive, 'sample.transformer.kv': kv };
  } finally {
    model.dispose();
  }
}

function benchVocabulary(): CharVocabulary {
  // 96 printable characters, newline first (the generators start from it).
  const chars = ['\n', ...Array.from({ length: VOCAB - 1 }, (_, i) => String.fromCodePoint(32 + i))];
  return CharVocabulary.fromJSON(chars);
}

async function sampleNar(): Promise<JobResult> {
  const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...TRANSFORMER_SHAPE }), 1);
  const vocab = benchVocabulary();
  const result: JobResult = {};
  try {
    await readableOnHost(model.weights.values());
    for (const T of [1, 4, 10]) {
      let seed = 1;
      let passes = 0;
      const run = async () => {
        const options = { length: SEQ, prompt: '', ...SAMPLING, seed: seed++, iterations: T };
        for await (const e of generateMaskPredict(model, vocab, options)) if (e.kind === 'done') passes = e.steps;
      };
      const times = await timeRepeats({ warmup: 5, minRepeats: 10, maxRepeats: 50, budgetMs: 3000 }, run);
      result[`sample.nar.t${T}`] = { value: median(times), repeats: times.length, detail: `${passes} passes; ${spread(times, 'ms')}` };
    }
    return result;
  } finally {
    model.dispose();
  }
}

async function samplePixelCnn(): Promise<JobResult> {
  const { pixelCnnSamplingBench } = await import('./pixelcnnSampling.ts');
  return pixelCnnSamplingBench();
}

async function samplePixelCnnDefault(): Promise<JobResult> {
  const { defaultPixelCnnSamplingBench } = await import('./pixelcnnSampling.ts');
  return defaultPixelCnnSamplingBench();
}

export const JOBS: Record<JobName, () => Promise<JobResult>> = {
  'train.lstm': () => trainRnn('lstm'),
  'train.rnn': () => trainRnn('rnn'),
  'train.transformer': trainTransformer,
  'train.nar': trainNar,
  'train.pixelcnn': () => trainPixelCnn(BENCH_PIXELCNN_CONFIG, 'train.pixelcnn'),
  'train.pixelcnn.default': () => trainPixelCnn(DEFAULT_PIXELCNN_CONFIG, 'train.pixelcnn.default'),
  'train.maskedimage': trainMaskedImage,
  'sample.lstm': sampleLstm,
  'sample.transformer': sampleTransformer,
  'sample.nar': sampleNar,
  'sample.pixelcnn': samplePixelCnn,
  'sample.pixelcnn.default': samplePixelCnnDefault,
  'sample.vocab4k': async () => (await import('./largeVocabSampling.ts')).largeVocabSamplingBench(),
};
