import * as tf from '@tensorflow/tfjs';
import { selfAttention, splitHeads } from '../tensor/ops/attention.ts';
import { biasGelu } from '../tensor/ops/gelu.ts';
import { layerNorm as layerNormOp } from '../tensor/ops/layerNorm.ts';
import { TransformerEngine, type TransformerEngineWeights } from '../tensor/inference/transformerEngine.ts';
import type { LocalTable } from './localContext.ts';
import { WeightSnapshot } from './weightSnapshot.ts';

/** The sizes shared by the causal and the mask-predict Transformer. */
export interface TransformerShape {
  dModel: number;
  heads: number;
  layers: number;
  ffn: number;
  context: number;
  dropout: number;
}

interface LayerNormWeights {
  g: tf.Variable;
  b: tf.Variable;
}

export interface BlockWeights {
  ln1: LayerNormWeights;
  wqkv: tf.Variable; // [D, 3D]
  bqkv: tf.Variable; // [3D]
  wo: tf.Variable; // [D, D]
  bo: tf.Variable;
  ln2: LayerNormWeights;
  w1: tf.Variable; // [D, F]
  b1: tf.Variable;
  w2: tf.Variable; // [F, D]
  b2: tf.Variable;
}

export interface TransformerWeights {
  tokEmb: tf.Variable; // [rows, D]
  posEmb: tf.Variable; // [context, D]
  blocks: BlockWeights[];
  lnF: LayerNormWeights;
  /** Untied output projection [D, V]; absent when tied to the token embedding. */
  outW: tf.Variable | null;
  outB: tf.Variable; // [V]
}

/** Keys and values of one layer for the positions seen so far: [B, H, T, dh] each. */
export interface LayerCache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

let nextId = 0;

/**
 * Creates the weights of a pre-LayerNorm Transformer: token + learned position embeddings,
 * blocks of multi-head self-attention and a GELU feed-forward, a final LayerNorm and an output
 * layer over `outputs` classes (tied to the first `outputs` embedding rows when `tied`).
 */
export function createTransformerWeights(
  shape: TransformerShape,
  embeddingRows: number,
  outputs: number,
  tied: boolean,
  seed: number,
): { parts: TransformerWeights; named: Map<string, tf.Variable> } {
  const { dModel: D, ffn: F, layers, context } = shape;
  const named = new Map<string, tf.Variable>();
  const id = nextId++;
  let s = seed * 7919 + 17;
  const add = (key: string, init: tf.Tensor): tf.Variable => {
    const v = tf.variable(init, true, `${key}#t${id}`);
    init.dispose();
    named.set(key, v);
    return v;
  };
  const normal = (key: string, shape: number[], std = 0.02) => add(key, tf.truncatedNormal(shape, 0, std, 'float32', s++));
  const zeros = (key: string, n: number) => add(key, tf.zeros([n]));
  const ones = (key: string, n: number) => add(key, tf.ones([n]));
  const ln = (key: string): LayerNormWeights => ({ g: ones(`${key}/g`, D), b: zeros(`${key}/b`, D) });

  const tokEmb = normal('tok_emb', [embeddingRows, D]);
  const posEmb = normal('pos_emb', [context, D], 0.01);
  const blocks: BlockWeights[] = [];
  // GPT-2's scaled init for the projections that write into the residual stream.
  const residualStd = 0.02 / Math.sqrt(2 * layers);
  for (let l = 0; l < layers; l++) {
    const p = `block${l}`;
    blocks.push({
      ln1: ln(`${p}/ln1`),
      wqkv: normal(`${p}/attn/wqkv`, [D, 3 * D]),
      bqkv: zeros(`${p}/attn/bqkv`, 3 * D),
      wo: normal(`${p}/attn/wo`, [D, D], residualStd),
      bo: zeros(`${p}/attn/bo`, D),
      ln2: ln(`${p}/ln2`),
      w1: normal(`${p}/ffn/w1`, [D, F]),
      b1: zeros(`${p}/ffn/b1`, F),
      w2: normal(`${p}/ffn/w2`, [F, D], residualStd),
      b2: zeros(`${p}/ffn/b2`, D),
    });
  }
  const lnF = ln('ln_f');
  const outW = tied ? null : normal('out/w', [D, outputs]);
  const outB = zeros('out/b', outputs);
  return { parts: { tokEmb, posEmb, blocks, lnF, outW, outB }, named };
}

/** LayerNorm over the last dimension (one fused kernel on wasm with the project's kernels). */
export function layerNorm(x: tf.Tensor, w: LayerNormWeights, eps = 1e-5): tf.Tensor {
  return layerNormOp(x, w.g, w.b, eps);
}

/** Token plus position embeddings for ids [B, T] at positions offset..offset+T-1. */
export function embed(w: TransformerWeights, ids: tf.Tensor2D, offset = 0): tf.Tensor3D {
  return tf.tidy(() => {
    const T = ids.shape[1];
    const pos = tf.slice(w.posEmb, [offset, 0], [T, -1]);
    return tf.add(tf.gather(w.tokEmb, ids), pos) as tf.Tensor3D;
  });
}

/**
 * One pre-LN block over x [B, T, D]. `mask` is an additive [T, Tpast+T] mask or null (all
 * positions visible). With `past`, keys/values of earlier positions are prepended, and the
 * block's full keys/values are returned for caching.
 */
export function transformerBlock(
  x: tf.Tensor3D,
  w: BlockWeights,
  shape: TransformerShape,
  mask: tf.Tensor2D | null,
  training: boolean,
  past?: LayerCache,
): { y: tf.Tensor3D; cache: LayerCache } {
  const [B, T, D] = x.shape;
  const H = shape.heads;
  const dh = D / H;
  const h = layerNorm(x, w.ln1);
  const qkv = tf.add(tf.matMul(tf.reshape(h, [B * T, D]), w.wqkv), w.bqkv);
  const [q, k, v] = tf.split(tf.reshape(qkv, [B, T, 3 * D]), 3, 2) as tf.Tensor3D[];
  const qh = splitHeads(q!, H);
  let kh = splitHeads(k!, H);
  let vh = splitHeads(v!, H);
  if (past) {
    kh = tf.concat([past.k, kh], 2);
    vh = tf.concat([past.v, vh], 2);
  }
  let scores = tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(dh)) as tf.Tensor4D;
  if (mask) scores = tf.add(scores, mask);
  const att = tf.matMul(tf.softmax(scores), vh) as tf.Tensor4D; // [B, H, T, dh]
  const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, D]);
  let attOut = tf.add(tf.matMul(merged, w.wo), w.bo);
  if (training && shape.dropout > 0) attOut = tf.dropout(attOut, shape.dropout);
  const x1 = tf.add(x, tf.reshape(attOut, [B, T, D])) as tf.Tensor3D;
  return { y: feedForward(x1, w, shape, training), cache: { k: kh, v: vh } };
}

/** x1 + FFN(LN(x1)) with a GELU between the two projections (bias + GELU fused on wasm). */
function feedForward(x1: tf.Tensor3D, w: BlockWeights, shape: TransformerShape, training: boolean): tf.Tensor3D {
  const [B, T, D] = x1.shape;
  const h2 = tf.reshape(layerNorm(x1, w.ln2), [B * T, D]);
  let ff = tf.add(tf.matMul(biasGelu(tf.matMul(h2, w.w1), w.b1), w.w2), w.b2);
  if (training && shape.dropout > 0) ff = tf.dropout(ff, shape.dropout);
  return tf.add(x1, tf.reshape(ff, [B, T, D])) as tf.Tensor3D;
}

/**
 * One pre-LN block over x [B, T, D] without a KV cache (training, whole-window passes):
 * causal or bidirectional attention over the window, as one fused op on wasm with the
 * project's kernels. Same numbers as `transformerBlock` with a causal mask (or none).
 */
export function transformerBlockNoCache(x: tf.Tensor3D, w: BlockWeights, shape: TransformerShape, causal: boolean, training: boolean): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const h = layerNorm(x, w.ln1);
  const qkv = tf.reshape(tf.add(tf.matMul(tf.reshape(h, [B * T, D]), w.wqkv), w.bqkv), [B, T, 3 * D]) as tf.Tensor3D;
  const merged = tf.reshape(selfAttention(qkv, shape.heads, causal), [B * T, D]);
  let attOut = tf.add(tf.matMul(merged, w.wo), w.bo);
  if (training && shape.dropout > 0) attOut = tf.dropout(attOut, shape.dropout);
  const x1 = tf.add(x, tf.reshape(attOut, [B, T, D])) as tf.Tensor3D;
  return feedForward(x1, w, shape, training);
}

/** Final LayerNorm and output projection: [B, T, D] → [B, T, V]. */
export function outputLogits(w: TransformerWeights, x: tf.Tensor3D, outputs: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, D] = x.shape;
    const h = tf.reshape(layerNorm(x, w.lnF), [B * T, D]);
    const proj = w.outW ? tf.matMul(h, w.outW) : tf.matMul(h, tf.slice(w.tokEmb, [0, 0], [outputs, D]), false, true);
    return tf.reshape(tf.add(proj, w.outB), [B, T, outputs]) as tf.Tensor3D;
  });
}

/** The weights as plain arrays, for the batch-1 WebAssembly engine (a snapshot). */
export function engineWeights(w: TransformerWeights, shape: TransformerShape, outputs: number): TransformerEngineWeights {
  const read = (v: tf.Variable) => v.dataSync() as Float32Array;
  return {
    dModel: shape.dModel,
    heads: shape.heads,
    ffn: shape.ffn,
    context: shape.context,
    outputs,
    tokEmb: read(w.tokEmb),
    posEmb: read(w.posEmb),
    blocks: w.blocks.map((b) => ({
      ln1g: read(b.ln1.g),
      ln1b: read(b.ln1.b),
      wqkv: read(b.wqkv),
      bqkv: read(b.bqkv),
      wo: read(b.wo),
      bo: read(b.bo),
      ln2g: read(b.ln2.g),
      ln2b: read(b.ln2.b),
      w1: read(b.w1),
      b1: read(b.b1),
      w2: read(b.w2),
      b2: read(b.b2),
    })),
    lnFg: read(w.lnF.g),
    lnFb: read(w.lnF.b),
    outW: w.outW ? read(w.outW) : null,
    outB: read(w.outB),
  };
}

/**
 * A TransformerEngine over the current weights, rebuilt only when a weight has changed since
 * the last call (training assigns new data), for repeated inference between training steps.
 */
export function engineSnapshot(
  weights: () => {
    parts: TransformerWeights;
    shape: TransformerShape;
    outputs: number;
    variables: readonly tf.Variable[];
    /** Mask-predict's local context tables (see localContext.ts). */
    local?: readonly LocalTable[];
  },
): WeightSnapshot<TransformerEngine> {
  return new WeightSnapshot(
    () => weights().variables,
    () => {
      const { parts, shape, outputs, local } = weights();
      const localData = local?.length ? { local: { offsets: local.map((t) => t.offset), tables: local.map((t) => t.table.dataSync() as Float32Array) } } : {};
      return new TransformerEngine({ ...engineWeights(parts, shape, outputs), ...localData });
    },
    (engine) => engine.dispose(),
  );
}
