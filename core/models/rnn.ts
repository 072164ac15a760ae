import * as tf from '@tensorflow/tfjs';
import type { RnnConfig } from './config.ts';
import type { Decoder, DecoderOptions, TextModel } from './textModel.ts';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import { WasmRnnDecoder, type RnnDecoderWeights } from '../tensor/inference/rnnDecoder.ts';
import { WeightSnapshot } from './weightSnapshot.ts';
import { rnnSequence, rnnSequenceReference } from '../tensor/ops/rnn.ts';
import { RNN_GATES } from '../tensor/rnnCell.ts';
import { softmaxCrossEntropy } from '../tensor/ops/crossEntropy.ts';


let nextModelId = 0;

interface LayerWeights {
  wx: tf.Variable; // [in, G*H]
  wh: tf.Variable; // [H, G*H]
  b: tf.Variable; // [G*H]  (GRU: input bias)
  bh?: tf.Variable; // GRU only: hidden bias [G*H] (PyTorch's b_hh; needed for the reset gate)
}

/** Per-layer recurrent state: h, and c for the LSTM. [batch, H] each. */
type LayerState = { h: tf.Tensor2D; c?: tf.Tensor2D };

/**
 * Embedding → vanilla RNN (tanh) | GRU | LSTM (1–3 layers) → linear to the vocabulary.
 * Conventions follow PyTorch (gate order i,f,g,o for the LSTM; r,z,n for the GRU).
 */
export class RnnModel implements TextModel {
  readonly weights: Map<string, tf.Variable>;
  private readonly embedding: tf.Variable;
  private readonly layers: LayerWeights[];
  private readonly outW: tf.Variable;
  private readonly outB: tf.Variable;
  /** The weights laid out once for the WebAssembly decoder; each decoder forks it (its own state, the same weights). */
  private readonly decoders = new WeightSnapshot(
    () => [...this.weights.values()],
    () => new WasmRnnDecoder(this.decoderWeights()),
    (template) => template.dispose(),
  );

  constructor(
    readonly config: RnnConfig,
    seed = 1,
  ) {
    const { vocabSize: V, embedding: E, hidden: H, layers: L, cell } = config;
    const G = RNN_GATES[cell];
    const bound = 1 / Math.sqrt(H);
    let s = seed * 7919;
    this.weights = new Map();
    // tfjs variable names are global to the engine: keep ours unique, and key the map by the stable name.
    const add = (key: string, init: tf.Tensor) => {
      const v = tf.variable(init, true, `${key}#${nextModelId}`);
      init.dispose();
      this.weights.set(key, v);
      return v;
    };
    const uniform = (shape: number[], key: string) => add(key, tf.randomUniform(shape, -bound, bound, 'float32', s++));
    nextModelId++;
    this.embedding = add('embedding', tf.randomNormal([V, E], 0, 1, 'float32', s++));
    this.layers = [];
    for (let l = 0; l < L; l++) {
      const inDim = l === 0 ? E : H;
      const wx = uniform([inDim, G * H], `layer${l}/wx`);
      const wh = uniform([H, G * H], `layer${l}/wh`);
      const b = add(
        `layer${l}/b`,
        tf.tidy(() => {
          const init = tf.randomUniform([G * H], -bound, bound, 'float32', s++);
          // LSTM forget-gate bias 1: the standard trick for stable early training.
          return cell === 'lstm' ? init.add(tf.concat([tf.zeros([H]), tf.ones([H]), tf.zeros([2 * H])])) : init;
        }),
      );
      const layer: LayerWeights = { wx, wh, b };
      if (cell === 'gru') layer.bh = uniform([G * H], `layer${l}/bh`);
      this.layers.push(layer);
    }
    this.outW = uniform([H, V], 'out/w');
    this.outB = add('out/b', tf.zeros([V]));
  }

  /**
   * Hidden states of the last layer for every position: [batch, seq, H], and the final state of
   * every layer when `withState` (decoding). Without it, each layer's whole sequence (and its
   * gradient) is one fused kernel on wasm with the project's kernels.
   */
  private hiddenStates(inputs: tf.Tensor2D, state0?: LayerState[], withState = true): { out: tf.Tensor3D; state: LayerState[] } {
    const [B, T] = inputs.shape;
    const H = this.config.hidden;
    const cell = this.config.cell;
    let x = tf.gather(this.embedding, inputs) as tf.Tensor3D; // [B, T, E]
    const finalState: LayerState[] = [];
    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      const inDim = x.shape[2];
      // One big input projection for all timesteps, then the sequential recurrence.
      const xProj = tf.add(tf.matMul(x.reshape([B * T, inDim]), w.wx), w.b).reshape([B, T, -1]) as tf.Tensor3D;
      const st: LayerState = state0?.[l] ?? { h: tf.zeros([B, H]), c: cell === 'lstm' ? tf.zeros([B, H]) : undefined };
      const wh = w.wh as tf.Tensor2D;
      const bh = (w.bh ?? null) as tf.Tensor1D | null;
      if (withState) {
        const r = rnnSequenceReference(cell, xProj, wh, bh, st);
        finalState.push(r.state);
        x = r.hs;
      } else {
        x = rnnSequence(cell, xProj, wh, bh, st.h, st.c ?? null);
      }
    }
    return { out: x, state: finalState };
  }

  logits(inputs: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const { out } = this.hiddenStates(inputs, undefined, false);
      const [B, T, H] = out.shape;
      return tf.add(tf.matMul(out.reshape([B * T, H]), this.outW), this.outB).reshape([B, T, -1]) as tf.Tensor3D;
    });
  }

  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, _training = false): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.logits(inputs), targets));
  }

  /**
   * A decoder with empty state. On CPU backends with the project's kernels it runs on a private
   * WebAssembly memory (weights copied once, no per-op dispatch); elsewhere through tfjs ops.
   * `tfjs: true` forces the tfjs path (the reference the fast one is tested against).
   */
  createDecoder(options: DecoderOptions = {}): Decoder {
    if (!options.tfjs && fastDecodersAvailable()) return this.decoders.get().fork();
    return this.createTfjsDecoder();
  }

  /** The weights as plain arrays for the WebAssembly decoder. */
  private decoderWeights(): RnnDecoderWeights {
    const read = (v: tf.Variable) => v.dataSync() as Float32Array;
    return {
      cell: this.config.cell,
      vocabSize: this.config.vocabSize,
      embedding: this.config.embedding,
      hidden: this.config.hidden,
      embeddingTable: read(this.embedding),
      layers: this.layers.map((l) => ({ wx: read(l.wx), wh: read(l.wh), b: read(l.b), ...(l.bh ? { bh: read(l.bh) } : {}) })),
      outW: read(this.outW),
      outB: read(this.outB),
    };
  }

  private createTfjsDecoder(): Decoder {
    let state: LayerState[] | undefined;
    const model = this;
    const disposeState = (s?: LayerState[]) => s?.forEach((x) => (x.h.dispose(), x.c?.dispose()));
    return {
      feed(tokenId: number): Float32Array {
        const prev = state;
        const { logits, next } = tf.tidy(() => {
          const input = tf.tensor2d([[tokenId]], [1, 1], 'int32');
          const { out, state: nextState } = model.hiddenStates(input, prev);
          const lg = tf.add(tf.matMul(out.reshape([1, -1]), model.outW), model.outB);
          return { logits: lg, next: nextState.flatMap((s) => (s.c ? [s.h, s.c] : [s.h])) };
        });
        disposeState(prev);
        const hasC = model.config.cell === 'lstm';
        state = [];
        for (let i = 0; i < next.length; ) {
          state.push(hasC ? { h: next[i] as tf.Tensor2D, c: next[i + 1] as tf.Tensor2D } : { h: next[i] as tf.Tensor2D });
          i += hasC ? 2 : 1;
        }
        const values = logits.dataSync() as Float32Array;
        logits.dispose();
        return Float32Array.from(values);
      },
      dispose() {
        disposeState(state);
        state = undefined;
      },
    };
  }

  dispose(): void {
    this.decoders.clear();
    for (const v of this.weights.values()) v.dispose();
  }
}
