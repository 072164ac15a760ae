import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../rng.ts';
import type { MaskPredictConfig } from './config.ts';
import type { TextModel } from './textModel.ts';
import { softmaxCrossEntropy } from '../tensor/ops/crossEntropy.ts';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import { addLocalContext, createLocalTables, localTableName, type LocalTable } from './localContext.ts';
import { SINUSOID_SCALE, sinusoidalPositions } from './positionEncoding.ts';
import { createTransformerWeights, embed, engineSnapshot, outputLogits, transformerBlockNoCache, type TransformerWeights } from './transformerLayers.ts';

/** One training example's masking: which target positions are hidden. */
export interface MaskedBatch {
  /** [B, L] ids with hidden positions replaced by the mask id. */
  masked: Int32Array;
  /** [B, L] ids before masking. */
  original: Int32Array;
  /** [B, L] 1 where the loss counts (a hidden target position). */
  weight: Float32Array;
  batch: number;
  length: number;
}

/**
 * Conditional masked-LM corruption of windows [B, T]: each batch uses a random total length L
 * (so generation at any length up to the context is in-distribution), each row a random prompt
 * length p ∈ [0, L/2], and a random fraction r ∈ (0, 1] of its target positions p..L-1 hidden.
 */
export function maskBatch(ids: Int32Array, batch: number, seq: number, maskId: number, rng: Rng): MaskedBatch {
  const minL = Math.min(seq, Math.max(2, Math.floor(seq / 4)));
  const L = minL + Math.floor(rng.next() * (seq - minL + 1));
  const original = new Int32Array(batch * L);
  for (let b = 0; b < batch; b++) original.set(ids.subarray(b * seq, b * seq + L), b * L);
  const masked = original.slice();
  const weight = new Float32Array(batch * L);
  for (let b = 0; b < batch; b++) {
    const p = Math.floor(rng.next() * (Math.floor(L / 2) + 1));
    hidePositions(masked, weight, b * L, p, L, Math.max(1, Math.round(rng.next() * (L - p))), maskId, rng);
  }
  return { masked, original, weight, batch, length: L };
}

/**
 * Hides `n` distinct positions of [from, to) of the row that starts at `rowStart`, chosen with
 * `rng` (partial Fisher–Yates): [MASK] in `masked`, weight 1 in `weight`.
 */
export function hidePositions(masked: Int32Array, weight: Float32Array, rowStart: number, from: number, to: number, n: number, maskId: number, rng: Rng): void {
  const count = to - from;
  const pos = Array.from({ length: count }, (_, i) => from + i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (count - i));
    [pos[i], pos[j]] = [pos[j]!, pos[i]!];
    masked[rowStart + pos[i]!] = maskId;
    weight[rowStart + pos[i]!] = 1;
  }
}

/**
 * The non-autoregressive Transformer: the same blocks as the causal model but bidirectional
 * attention, and one extra embedding row for [MASK]. It predicts every masked position of a
 * sequence at once; mask-predict decoding refines that in T passes.
 */
export class MaskPredictModel implements TextModel {
  readonly weights: Map<string, tf.Variable>;
  private readonly parts: TransformerWeights;
  private readonly trainRng: Rng;
  /** Local context tables (config.localContext; none in runs stored before it). */
  private readonly local: LocalTable[];
  private readonly engines = engineSnapshot(() => ({
    parts: this.parts,
    shape: this.config,
    outputs: this.config.vocabSize,
    variables: [...this.weights.values()],
    local: this.local,
  }));

  constructor(
    readonly config: MaskPredictConfig,
    seed = 1,
  ) {
    const { parts, named } = createTransformerWeights({ ...config }, config.vocabSize + 1, config.vocabSize, true, seed);
    if (config.positions !== 'learned') {
      const sinusoid = tf.tensor2d(sinusoidalPositions(config.context, config.dModel, SINUSOID_SCALE), [config.context, config.dModel]);
      if (config.positions === 'learnedSinusoidal') parts.posEmb.assign(sinusoid);
      else {
        // Fixed: no weight to train or checkpoint; the table stands where the learned one was (tfjs and engine alike).
        named.get('pos_emb')!.dispose();
        named.delete('pos_emb');
        parts.posEmb = tf.variable(sinusoid, false);
      }
      sinusoid.dispose();
    }
    this.parts = parts;
    // Rows: the vocabulary and [MASK]; each table adds a padding row after them.
    this.local = createLocalTables(config.localContext, config.vocabSize + 1, config.dModel, seed);
    for (const { offset, table } of this.local) named.set(localTableName(offset), table);
    this.weights = named;
    this.trainRng = createRng(seed ^ 0x9e3779b9);
  }

  /** The id of the [MASK] token (one past the vocabulary). */
  get maskId(): number {
    return this.config.vocabSize;
  }

  /** The row local context tables use past the sequence's edges (one past [MASK]). */
  private get padId(): number {
    return this.config.vocabSize + 1;
  }

  /**
   * Logits [B, L, V] for ids [B, L] (mask ids allowed), every position seeing every other.
   * Inference on one sequence runs on a batch-1 WebAssembly engine on CPU backends with the
   * project's kernels (a snapshot of the weights, refreshed when they change).
   */
  predict(ids: tf.Tensor2D, training = false): tf.Tensor3D {
    const [B, L] = ids.shape;
    if (!training && B === 1 && L > 0 && L <= this.config.context && fastDecodersAvailable()) {
      const rows = this.engines.get().forward(Array.from(ids.dataSync()), 0, false, L);
      const V = this.config.vocabSize;
      const data = new Float32Array(L * V);
      rows.forEach((r, i) => data.set(r, i * V));
      return tf.tensor3d(data, [1, L, V]);
    }
    return this.predictTfjs(ids, training);
  }

  /**
   * The logits of chosen positions of one sequence (`ids`, mask ids allowed), each a fresh array,
   * in the order asked. On the batch-1 engine the last block computes only those rows, so the
   * later mask-predict passes (few slots re-masked) cost less than the first.
   */
  predictRows(ids: readonly number[], rows: readonly number[]): Float32Array[] {
    const L = ids.length;
    if (L > 0 && L <= this.config.context && fastDecodersAvailable()) {
      const order = [...new Set(rows)].sort((a, b) => a - b);
      const logits = this.engines.get().forward(ids, 0, false, L, order);
      const byRow = new Map(order.map((r, i) => [r, logits[i]!]));
      return rows.map((r) => Float32Array.from(byRow.get(r)!));
    }
    const all = tf.tidy(() => this.predictTfjs(tf.tensor2d([[...ids]], [1, L], 'int32')));
    const data = all.dataSync() as Float32Array;
    all.dispose();
    const V = this.config.vocabSize;
    return rows.map((r) => {
      if (!Number.isInteger(r) || r < 0 || r >= L) throw new RangeError(`row ${r} is outside 0 … ${L - 1}`);
      return data.slice(r * V, (r + 1) * V);
    });
  }

  /** predict through tfjs ops (the reference the engine is tested against). */
  predictTfjs(ids: tf.Tensor2D, training = false): tf.Tensor3D {
    return tf.tidy(() => {
      if (ids.shape[1] > this.config.context) throw new Error(`a sequence of ${ids.shape[1]} exceeds the context of ${this.config.context}`);
      let x = addLocalContext(embed(this.parts, ids), ids, this.local, this.padId);
      for (const w of this.parts.blocks) x = transformerBlockNoCache(x, w, this.config, false, training);
      return outputLogits(this.parts, x, this.config.vocabSize);
    });
  }

  /** Logits [B, L, V] with nothing masked (the TextModel view). */
  logits(inputs: tf.Tensor2D): tf.Tensor3D {
    return this.predict(inputs);
  }

  /** Masked-LM loss on windows `inputs` [B, T] (targets are unused: the window is the example). */
  loss(inputs: tf.Tensor2D, _targets: tf.Tensor2D, training = false): tf.Scalar {
    const [B, T] = inputs.shape;
    // Validation draws the same corruption every time, so its curve is comparable across steps.
    const rng = training ? this.trainRng : createRng(12345);
    const m = maskBatch(inputs.dataSync() as Int32Array, B, T, this.maskId, rng);
    return this.maskedLoss(m, training);
  }

  maskedLoss(m: MaskedBatch, training: boolean): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.predict(tf.tensor2d(m.masked, [m.batch, m.length], 'int32'), training);
      // Σ w·nll / max(Σ w, 1) over the hidden positions (one fused kernel on wasm).
      return softmaxCrossEntropy(logits, tf.tensor1d(m.original, 'int32'), tf.tensor1d(m.weight));
    });
  }

  createDecoder(): null {
    return null;
  }

  dispose(): void {
    if (this.config.positions === 'sinusoidal') this.parts.posEmb.dispose();
    for (const v of this.weights.values()) v.dispose();
    this.engines.clear();
  }
}
