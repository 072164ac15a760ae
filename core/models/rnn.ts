import * as tf from '@tensorflow/tfjs';
import type { RnnConfig } from './config.ts';
import type { Decoder, TextModel } from './textModel.ts';
import { softmaxCrossEntropy } from './losses.ts';

/** Gates per cell: the input-to-hidden and hidden-to-hidden matrices are [in, gates * hidden]. */
const GATES = { rnn: 1, gru: 3, lstm: 4 } as const;

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

  constructor(
    readonly config: RnnConfig,
    seed = 1,
  ) {
    const { vocabSize: V, embedding: E, hidden: H, layers: L, cell } = config;
    const G = GATES[cell];
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

  /** Hidden states of the last layer for every position: [batch, seq, H]. */
  private hiddenStates(inputs: tf.Tensor2D, state0?: LayerState[]): { out: tf.Tensor3D; state: LayerState[] } {
    const [B, T] = inputs.shape;
    const H = this.config.hidden;
    let x = tf.gather(this.embedding, inputs) as tf.Tensor3D; // [B, T, E]
    const finalState: LayerState[] = [];
    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      const inDim = x.shape[2];
      // One big input projection for all timesteps, then the sequential recurrence.
      const xProj = tf.add(tf.matMul(x.reshape([B * T, inDim]), w.wx), w.b).reshape([B, T, -1]) as tf.Tensor3D;
      const xs = tf.unstack(xProj, 1) as tf.Tensor2D[];
      let st: LayerState = state0?.[l] ?? { h: tf.zeros([B, H]), c: this.config.cell === 'lstm' ? tf.zeros([B, H]) : undefined };
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        st = this.cell(xs[t]!, st, w);
        hs.push(st.h);
      }
      finalState.push(st);
      x = tf.stack(hs, 1) as tf.Tensor3D;
    }
    return { out: x, state: finalState };
  }

  /** One recurrence step given the projected input xp = x·Wx + b ([B, G*H]). */
  private cell(xp: tf.Tensor2D, st: LayerState, w: LayerWeights): LayerState {
    switch (this.config.cell) {
      case 'rnn':
        return { h: tf.tanh(tf.add(xp, tf.matMul(st.h, w.wh))) };
      case 'lstm': {
        const z = tf.add(xp, tf.matMul(st.h, w.wh));
        const [i, f, g, o] = tf.split(z, 4, 1) as tf.Tensor2D[];
        const c = tf.add(tf.mul(tf.sigmoid(f!), st.c!), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
        return { h: tf.mul(tf.sigmoid(o!), tf.tanh(c)) as tf.Tensor2D, c };
      }
      case 'gru': {
        const hp = tf.add(tf.matMul(st.h, w.wh), w.bh!);
        const [xr, xz, xn] = tf.split(xp, 3, 1) as tf.Tensor2D[];
        const [hr, hz, hn] = tf.split(hp, 3, 1) as tf.Tensor2D[];
        const r = tf.sigmoid(tf.add(xr!, hr!));
        const z = tf.sigmoid(tf.add(xz!, hz!));
        const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
        // h' = (1 - z) * n + z * h
        return { h: tf.add(n, tf.mul(z, tf.sub(st.h, n))) as tf.Tensor2D };
      }
    }
  }

  logits(inputs: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const { out } = this.hiddenStates(inputs);
      const [B, T, H] = out.shape;
      return tf.add(tf.matMul(out.reshape([B * T, H]), this.outW), this.outB).reshape([B, T, -1]) as tf.Tensor3D;
    });
  }

  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, _training = false): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.logits(inputs), targets));
  }

  createDecoder(): Decoder {
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
    for (const v of this.weights.values()) v.dispose();
  }
}
