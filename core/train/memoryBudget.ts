import type { MaskPredictConfig, RnnConfig, RunModelConfig, TransformerConfig } from '../models/config.ts';
import type { MaskedImageConfig } from '../models/maskedImageConfig.ts';
import type { PixelCnnConfig } from '../models/pixelcnnConfig.ts';

/**
 * How much memory a job will need, estimated from its configuration alone, before anything is
 * allocated. Pure: no tfjs. Every figure is in bytes of float32 tensors (4 bytes a value) and is
 * an estimate of the peak while one training step (forward, backward, Adam update) or one
 * sampling job runs: weights, gradients, the two Adam moments, and the activations the gradient
 * tape keeps at the batch and sequence asked for. Each model family has its own function in
 * MEMORY_ESTIMATORS; a new family adds one entry there.
 */

const FLOAT = 4;

/** What a job of a model family needs, split so an error can say where the memory goes. */
export interface MemoryEstimate {
  /** Learnable values of the model. */
  parameters: number;
  /** Weights (and, for training, gradients and Adam's two moments), in bytes. */
  stateBytes: number;
  /** Activations (and their gradients) at the batch and sequence asked for, in bytes. */
  activationBytes: number;
  /** stateBytes + activationBytes. */
  totalBytes: number;
}

/** The shape of a job's work: examples per batch and sequence length (images: 1). */
export interface JobShape {
  batch: number;
  /** Tokens per example (text); ignored by image models. */
  seq: number;
  /** Training (weights, gradients, Adam moments, stored activations) or sampling (weights, one step's work). */
  mode: 'train' | 'sample';
}

/** One estimator per model family: its parameter count and the activations of one batch. */
export interface FamilyEstimator<C> {
  parameters(config: C): number;
  /** Float values alive at the peak of a training step's forward + backward (train) or of one sampling step (sample). */
  activationValues(config: C, shape: JobShape): number;
}

type Family = RunModelConfig['family'];
type ConfigOf<F extends Family> = Extract<RunModelConfig, { family: F }>;

/** Parameters of a Transformer block stack (attention, FFN, two layer norms each). */
function transformerBlocks(c: Pick<TransformerConfig, 'dModel' | 'ffn' | 'layers'>): number {
  const d = c.dModel;
  return c.layers * (4 * d * d + 4 * d + 2 * d * c.ffn + c.ffn + d + 4 * d);
}

/** Activations of a Transformer at `batch`×`seq`: per layer the attention maps and the wide tensors, plus the logits. */
function transformerActivations(c: Pick<TransformerConfig, 'dModel' | 'ffn' | 'layers' | 'heads' | 'vocabSize'>, shape: JobShape, tape: number): number {
  const tokens = shape.batch * (shape.mode === 'train' ? shape.seq : 1);
  // Sampling decodes one token at a time against a cache of `seq` keys and values per layer.
  const attention = shape.mode === 'train' ? shape.batch * c.heads * shape.seq * shape.seq : shape.batch * c.heads * shape.seq;
  const cache = shape.mode === 'sample' ? 2 * c.layers * shape.batch * shape.seq * c.dModel : 0;
  // Scores, softmax and their gradients; q, k, v, the attention output, projection, residuals,
  // two layer norms; the FFN's hidden layer before and after its activation.
  const perLayer = 3 * attention + tokens * (10 * c.dModel + 2 * c.ffn);
  const logits = 3 * tokens * c.vocabSize;
  const live = c.layers * perLayer + logits + cache;
  return shape.mode === 'train' ? tape * live : live;
}

const transformer: FamilyEstimator<TransformerConfig> = {
  parameters: (c) => c.vocabSize * c.dModel + c.context * c.dModel + transformerBlocks(c) + 2 * c.dModel + (c.tiedOutput ? c.vocabSize : c.dModel * c.vocabSize + c.vocabSize),
  // The causal decoder's tape keeps about 8 times these values at its peak (measured with
  // tf.profile on small models: tests/core/train/memoryBudget.test.ts).
  activationValues: (c, shape) => transformerActivations(c, shape, 8),
};

const maskPredict: FamilyEstimator<MaskPredictConfig> = {
  // One more embedding row (the mask token); the output layer is tied to the embedding.
  parameters: (c) => (c.vocabSize + 1) * c.dModel + c.context * c.dModel + transformerBlocks(c) + 2 * c.dModel + c.vocabSize,
  // Mask-predict decodes the whole length in each pass: its sampling costs like a forward pass.
  // Its tape keeps about twice these values (measured as for the causal decoder).
  activationValues: (c, shape) => transformerActivations(c, shape.mode === 'sample' ? { ...shape, mode: 'train' } : shape, shape.mode === 'sample' ? 1 : 2),
};

const GATES: Record<RnnConfig['cell'], number> = { rnn: 1, gru: 3, lstm: 4 };

const rnn: FamilyEstimator<RnnConfig> = {
  parameters: (c) => {
    const g = GATES[c.cell];
    let total = c.vocabSize * c.embedding + c.hidden * c.vocabSize + c.vocabSize;
    for (let l = 0; l < c.layers; l++) total += g * ((l === 0 ? c.embedding : c.hidden) * c.hidden + c.hidden * c.hidden + c.hidden) + (c.cell === 'gru' ? g * c.hidden : 0);
    return total;
  },
  activationValues: (c, shape) => {
    const steps = shape.mode === 'train' ? shape.seq : 1;
    const tokens = shape.batch * steps;
    // Each step keeps its gates (pre- and post-activation), state and output for the backward pass.
    const perLayer = tokens * (2 * GATES[c.cell] * c.hidden + 3 * c.hidden);
    const live = tokens * c.embedding + c.layers * perLayer + 3 * tokens * c.vocabSize;
    // The unrolled tape keeps about 6 times these values at its peak (measured as above).
    return shape.mode === 'train' ? 6 * live : live;
  },
};

/** Binarized MNIST-sized images: 28×28 pixels. */
const PIXELS = 28 * 28;

const pixelcnn: FamilyEstimator<PixelCnnConfig> = {
  parameters: (c) =>
    c.firstKernel * c.firstKernel * c.channels + c.channels + c.residualBlocks * (c.kernel * c.kernel * c.channels * c.channels + c.channels) + c.channels * c.hiddenOut + c.hiddenOut + c.hiddenOut + 1,
  activationValues: (c, shape) => {
    const pixels = shape.batch * PIXELS;
    // Every masked convolution's input (padded), output and ReLU; the 1×1 head; the logits.
    const live = pixels * ((c.residualBlocks + 1) * 4 * c.channels + 3 * c.hiddenOut + 4);
    // The backward pass holds the gradient of each stored activation next to it.
    return shape.mode === 'train' ? 2 * live : live;
  },
};

const maskedImage: FamilyEstimator<MaskedImageConfig> = {
  // 3×3 input layer (value and mask channels), one 3×3 block a dilation, the 1×1 head.
  parameters: (c) => 9 * 2 * c.channels + c.channels + c.dilations.length * (9 * c.channels * c.channels + c.channels) + c.channels * c.hiddenOut + 2 * c.hiddenOut + 1,
  activationValues: (c, shape) => {
    const pixels = shape.batch * PIXELS;
    // Each block's input, its rearrangement into sub-grids and back (dilated taps), output and ReLU.
    const live = pixels * ((c.dilations.length + 1) * 6 * c.channels + 3 * c.hiddenOut + 6);
    return shape.mode === 'train' ? 2 * live : live;
  },
};

/** One estimator per family; a new model family adds its entry here. */
export const MEMORY_ESTIMATORS: { [F in Family]: FamilyEstimator<ConfigOf<F>> } = { rnn, transformer, maskPredict, pixelcnn, 'masked-image': maskedImage };

/** The memory a training or sampling job of `model` needs at `shape`. */
export function estimateJobMemory(model: RunModelConfig, shape: JobShape): MemoryEstimate {
  const estimator = MEMORY_ESTIMATORS[model.family] as FamilyEstimator<RunModelConfig>;
  const parameters = estimator.parameters(model);
  // Training: weights, gradients and Adam's two moments. Sampling: the weights, twice where a
  // CPU decoder keeps a host copy of them.
  const stateBytes = parameters * FLOAT * (shape.mode === 'train' ? 4 : 2);
  const activationBytes = estimator.activationValues(model, shape) * FLOAT;
  return { parameters, stateBytes, activationBytes, totalBytes: stateBytes + activationBytes };
}

/** A byte count as a person reads it: "4.35 GiB", "512 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${units[unit]}`;
}
